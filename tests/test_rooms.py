"""Rooms that say what they do: who may import whom, and each service starting on its own.

- The feature code (shared by training, the API and the Dask engine) does not pull in the
  training file readers (sources, zip extraction, validation, the lake).
- training/data and training/features have no import cycle.
- `scoring` dispatches lazily: its help, and each subcommand's help, load no heavy library and
  no other subcommand's module.
- `python -m api` and `python -m dashboard` start the services with the options of
  `scoring serve` / `scoring dashboard`; the dashboard process never imports training code,
  and the images start them that way.
- The top-level layout of the design card (shared, training, api, dashboard) holds, and the
  arrows between the rooms point one way.
"""

from __future__ import annotations

import ast
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from training.cli import COMMANDS  # light: the command line imports nothing heavy (tested here)

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("lightgbm", "polars", "dash", "fastapi", "uvicorn", "pandas", "sklearn", "plotly")
#: The training file readers the shared feature code must not load.
READERS = (
    "training.data.reader",
    "training.data.sources",
    "training.data.extraction",
    "training.data.validation",
    "training.data.table_files",
    "training.data.ingest",
    "training.data.lake",
    "training.data.descriptions",
)


def imported_after(code: str) -> list[str]:
    """Module names loaded by a fresh interpreter after running `code`."""
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def top(module: str) -> str:
    return module.split(".")[0]


# ------------------------------------------------------------------ the feature code's room


def test_the_feature_code_does_not_load_the_file_readers() -> None:
    features = sorted(p.stem for p in (ROOT / "training/features").glob("*.py"))
    code = "\n".join(f"import training.features.{name}" for name in features)
    loaded = imported_after(code)
    assert "training.features.pipeline" in loaded and "training.features.online" in loaded
    assert [m for m in READERS if m in loaded] == []


def test_the_api_loads_no_file_reader() -> None:
    loaded = imported_after("import api.app, api.scorer, training.features.online")
    assert "fastapi" in loaded
    assert [m for m in READERS if m in loaded] == []
    assert not [m for m in loaded if m.startswith(("training.model", "training.commands"))]


PACKAGES = ("shared", "training", "api", "dashboard")
PROJECT_MODULES = {
    str(p.relative_to(ROOT).with_suffix("")).replace("/", ".").removesuffix(".__init__")
    for package in PACKAGES
    for p in (ROOT / package).rglob("*.py")
}


def _imports(path: Path, package: str) -> set[str]:
    """Project modules a file imports, anywhere in it (a function-level import is still an
    arrow), resolved to module names; `from x import y` counts y when it is a module."""
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {m for m in found if m in PROJECT_MODULES and m.startswith(package)}


def test_training_data_and_features_have_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for folder in ("training/data", "training/features"):
        for path in (ROOT / folder).glob("*.py"):
            name = f"{folder.replace('/', '.')}.{path.stem}".removesuffix(".__init__")
            graph[name] = _imports(path, "training.")
    assert "training.data.validation" in graph["training.data.reader"]

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = sorted(m for m in graph if reaches(m, m, {m}))
    assert cycles == []


def test_arrows_between_the_rooms_point_one_way() -> None:
    """The dashboard imports neither training nor the API; training's library rooms (data,
    features, model, synth, governance) import neither the API nor the dashboard (only the
    command line dispatches to the services' start-up modules); the API uses the shared
    feature code only, never training's data, model or commands; shared imports no service."""
    rules = {
        "dashboard": ("training", "api"),
        "training/data": ("api", "dashboard"),
        "training/features": ("api", "dashboard"),
        "training/model": ("api", "dashboard"),
        "training/synth": ("api", "dashboard"),
        "training/governance": ("api", "dashboard"),
        "api": ("training.data", "training.model", "training.commands", "dashboard"),
        "shared": ("training", "api", "dashboard"),
    }
    broken = []
    for room, forbidden in rules.items():
        for path in (ROOT / room).rglob("*.py"):
            for module in _imports(path, ""):
                if module.startswith(forbidden):
                    broken.append(f"{path.relative_to(ROOT)} imports {module}")
    assert broken == []


def test_the_design_cards_top_level_layout_holds() -> None:
    packages = sorted(p.parent.name for p in ROOT.glob("*/__init__.py"))
    assert packages == ["api", "dashboard", "shared", "training"]
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    assert 'include = ["shared*", "training*", "api*", "dashboard*"]' in pyproject
    assert (ROOT / "api/__main__.py").is_file() and (ROOT / "dashboard/__main__.py").is_file()


# ------------------------------------------------------------------ lazy dispatch


def test_importing_the_command_line_and_its_help_load_no_heavy_library() -> None:
    loaded = imported_after(
        "import training.cli\ntry:\n    training.cli.main(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert [m for m in loaded if top(m) in HEAVY] == []
    assert [m for m in loaded if m.startswith("training.commands.")] == []


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_subcommands_help_loads_its_module_only(command: str) -> None:
    loaded = imported_after(
        "import contextlib, io, training.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    try:\n        training.cli.main([{command!r}, '--help'])\n"
        "    except SystemExit:\n        pass"
    )
    assert [m for m in loaded if top(m) in HEAVY] == []
    modules = {name: module for name, (module, _) in COMMANDS.items()}
    others = [m for name, m in modules.items() if name != command and m in loaded]
    assert modules[command] in loaded and others == []


def test_each_service_has_the_options_of_its_scoring_command() -> None:
    def options(*argv: str) -> set[str]:
        result = subprocess.run(
            [sys.executable, *argv, "--help"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        return set(re.findall(r"(--[a-z][a-z-]*)", result.stdout))

    for module, command in (("api", "serve"), ("dashboard", "dashboard")):
        own = options("-m", module)
        assert own == options("-m", "training.cli", command) and "--port" in own, module


# ------------------------------------------------------------------ services on their own


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 90.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url}: the service exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return int(response.status)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout:.0f}s")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


def test_python_m_dashboard_serves_without_importing_training(tmp_path) -> None:
    port = _free_port()
    environment = {**os.environ, "SCORING_API_KEY": "unused", "PYTHONPATH": str(ROOT)}
    log = tmp_path / "stderr.log"  # a file: -X importtime would fill a pipe and block the server
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-X", "importtime", "-m", "dashboard", "--port", str(port),
             "--api-url", "http://127.0.0.1:9"],
            cwd=tmp_path, env=environment, stdout=subprocess.DEVNULL, stderr=stderr, text=True,
        )  # fmt: skip
        try:
            assert _wait_for(f"http://127.0.0.1:{port}/", process) == 200
        finally:
            _stop(process)
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in log.read_text().splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    assert "dashboard.app" in imported and "dash" in imported
    assert sorted(m for m in imported if top(m) in ("training", "api", "lightgbm", "polars")) == []


def test_python_m_api_serves_a_bundle_and_refuses_a_missing_one(sample_bundle, tmp_path) -> None:
    port = _free_port()
    environment = {
        **os.environ,
        "SCORING_API_KEYS": "tests:a-key-for-the-rooms-test",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "api", "--model", str(sample_bundle), "--port", str(port),
         "--audit-db", str(tmp_path / "audit.sqlite")],
        cwd=tmp_path, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/ready", process, timeout=180) == 200
    finally:
        _stop(process)
    refused = subprocess.run(
        [sys.executable, "-m", "api", "--model", str(tmp_path / "absent")],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "python -m api: error: cannot serve the bundle" in refused.stderr
    assert "Traceback" not in refused.stderr


# ------------------------------------------------------------------ the images


def _final_cmd(dockerfile: str, stage: str) -> list[str]:
    """The CMD in effect in `stage` of a Dockerfile (the last CMD before the next FROM)."""
    text = (ROOT / dockerfile).read_text("utf-8")
    blocks = re.split(r"^FROM ", text, flags=re.M)
    block = next(b for b in blocks if re.match(rf"\S+ AS {stage}\s", b))
    commands = re.findall(r"^CMD (\[.*?\])\s*$", block, flags=re.M | re.S)
    return json.loads(commands[-1].replace("\\\n", ""))


def test_the_images_start_the_services_on_their_own() -> None:
    assert _final_cmd("Dockerfile.api", "api-runtime") == ["python", "-m", "api"]
    assert _final_cmd("Dockerfile.dashboard", "dashboard") == ["python", "-m", "dashboard"]
    dashboard = (ROOT / "Dockerfile.dashboard").read_text("utf-8")
    # The dashboard image holds no training (nor API) package to import, and checks it.
    assert "site-packages/training" in dashboard and "site-packages/api" in dashboard
    assert "'training', 'api'" in dashboard
    for dockerfile in ("Dockerfile.api", "Dockerfile.dashboard"):
        assert "HEALTHCHECK --interval" in (ROOT / dockerfile).read_text("utf-8")
    for compose in ROOT.glob("docker-compose*.yml"):
        text = compose.read_text("utf-8")
        assert "scoring serve" not in text and "scoring dashboard" not in text, compose.name
        assert "training.cli" not in text, compose.name
