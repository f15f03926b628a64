# The README quotes these targets; .ci/run calls `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
APPLICANTS ?= 20000
SEED ?= 42
DATA ?= data/synthetic
MODELS ?= models
# A folder (or the Kaggle zip's folder) of the real tables: `make run REAL_DATA=~/kaggle`.
REAL_DATA ?=

.PHONY: install run synth train serve dashboard test lint bench clean

$(BIN)/scoring: pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[all]'
	touch $@

install: $(BIN)/scoring

## Whole product on the embedded default: synthetic data -> trained bundle -> API + dashboard.
run: install
	$(BIN)/python -m training.quickstart --applicants $(APPLICANTS) --seed $(SEED) --data $(DATA) --models $(MODELS) $(if $(REAL_DATA),--real-data $(REAL_DATA))

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

## Operations (see docker-compose.yml). `lock` re-pins requirements/*.txt from the tested .venv.
COMPOSE ?= docker-compose
COMPOSE_FILES ?= -f docker-compose.yml
DOCKER_BUILD_FLAGS ?=

.PHONY: lock docker-build docker-up docker-down docker-lint

lock: install
	$(BIN)/python docker/lock_requirements.py

docker-build:
	docker build $(DOCKER_BUILD_FLAGS) -f Dockerfile.api --target trainer -t scoring-trainer:local .
	docker build $(DOCKER_BUILD_FLAGS) -f Dockerfile.api --target api -t scoring-api:local .
	docker build $(DOCKER_BUILD_FLAGS) -f Dockerfile.dashboard -t scoring-dashboard:local .

docker-up: docker-build
	$(COMPOSE) $(COMPOSE_FILES) up -d
	$(COMPOSE) $(COMPOSE_FILES) ps

docker-down:
	$(COMPOSE) $(COMPOSE_FILES) down

docker-lint: install
	$(BIN)/hadolint Dockerfile.api Dockerfile.dashboard
	$(COMPOSE) -f docker-compose.yml config --quiet
	$(COMPOSE) -f docker-compose.yml -f docker-compose.hostnet.yml config --quiet
