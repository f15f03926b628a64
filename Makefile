# The README quotes these targets; .ci/run calls `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
APPLICANTS ?= 20000
SEED ?= 42
DATA ?= data/synthetic
MODELS ?= models

.PHONY: install run synth train serve dashboard test lint bench clean

$(BIN)/scoring: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[all]'
	touch $@

install: $(BIN)/scoring

## Whole product on the embedded default: synthetic data -> trained bundle -> API + dashboard.
run: install
	$(BIN)/python -m training.quickstart --applicants $(APPLICANTS) --seed $(SEED) --data $(DATA) --models $(MODELS)

synth: install
	$(BIN)/scoring synth --applicants $(APPLICANTS) --seed $(SEED) --out $(DATA) --force

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python bench/bench_synth.py --applicants $(APPLICANTS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
