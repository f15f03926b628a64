"""The compose profile `dask`: a scheduler, two workers and a trainer that trains on them.

Config tests (`docker-compose config`, wherever compose is installed) check the wiring the
distributed engine relies on: one image for every Dask service (the trainer's: same library
versions everywhere), at least 2 threads and passive OpenMP waiting on each worker, the workers
reading the lake at the trainer's path, a scheduler port that is never published, and the
host-network override putting everything on the loopback address.

The docker test brings the profile up on the host network (the CI machines have no container
bridge) with a free scheduler port, runs the one-shot `trainer-dask` job (3,000 synthetic
applicants -> lake -> `scoring train --engine dask --scheduler ...`) and reads the bundle it
published on the models volume: trained by the Dask engine on the 2 workers.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_docker_stack import (
    TAG,
    compose,  # noqa: F401 - the session fixture that finds compose once the engine is up
    compose_config,
    compose_environment,
    docker,  # noqa: F401 - the session fixture that finds or starts the engine
    free_port,
    run,
)

ROOT = Path(__file__).resolve().parents[1]
FILES = ("docker-compose.yml", "docker-compose.hostnet.yml")
DASK_SERVICES = ("dask-scheduler", "dask-worker-1", "dask-worker-2", "trainer-dask")


def test_the_dask_profile_wires_a_cluster_from_the_trainer_image(
    compose: list[str],  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    env = {"COMPOSE_PROFILES": "dask"}
    services = compose_config(compose, tmp_path, "docker-compose.yml", env=env)["services"]
    trainer_image = services["trainer"]["image"]
    for name in DASK_SERVICES:
        service = services[name]
        assert service["profiles"] == ["dask"], name
        assert service["image"] == trainer_image, f"{name}: not the trainer's image"
        assert service["build"]["target"] == "trainer", name
        assert "ports" not in service, f"{name}: a Dask scheduler runs any code sent to it"
        assert service.get("mem_limit") and service.get("cpus") and service["read_only"]
    for name in ("dask-worker-1", "dask-worker-2"):
        worker = services[name]
        assert int(worker["environment"]["DASK_WORKER_THREADS"]) >= 2
        assert worker["environment"]["OMP_WAIT_POLICY"] == "PASSIVE"
        assert worker["environment"]["DASK_SCHEDULER_ADDRESS"] == "tcp://dask-scheduler:8786"
        assert "synthetic-data:/var/lib/scoring/data:ro" in worker["volumes"]
        assert worker["depends_on"]["dask-scheduler"]["condition"] == "service_healthy"
    job = services["trainer-dask"]
    command = " ".join(job["command"]).replace("$$", "$")  # compose 1.x prints the escapes
    assert "ingest --data" in command and "--out /var/lib/scoring/data/lake" in command
    assert "train --data /var/lib/scoring/data/lake" in command
    assert '--engine dask --scheduler "$DASK_SCHEDULER_ADDRESS"' in command
    assert job["restart"] == "no"
    assert "models:/var/lib/scoring/models:rw" in job["volumes"]
    # Nothing of the profile starts without it (the default stack is unchanged).
    plain = compose_config(compose, tmp_path, "docker-compose.yml")["services"]
    assert all(plain[n].get("profiles") == ["dask"] for n in DASK_SERVICES if n in plain)


def test_the_dask_profile_on_the_host_network_binds_the_loopback(
    compose: list[str],  # noqa: F811
    tmp_path: Path,
) -> None:
    env = {"COMPOSE_PROFILES": "dask", "DASK_SCHEDULER_PORT": "18786"}
    services = compose_config(compose, tmp_path, *FILES, env=env)["services"]
    scheduler = services["dask-scheduler"]
    assert scheduler["network_mode"] == "host"
    assert scheduler["environment"]["DASK_HOST"] == "127.0.0.1"
    assert scheduler["environment"]["DASK_SCHEDULER_PORT"] == "18786"
    for name in ("dask-worker-1", "dask-worker-2", "trainer-dask"):
        service = services[name]
        assert service["network_mode"] == "host", name
        address = service["environment"]["DASK_SCHEDULER_ADDRESS"]
        assert address == "tcp://127.0.0.1:18786", name


@pytest.fixture(scope="module")
def trainer_image(docker: str) -> str:  # noqa: F811 - the fixture imported above
    """The trainer image (cached layers when test_docker_stack built it already)."""
    tag = f"scoring-trainer:{TAG}"
    command = [docker, "build", "--network", "host", "-f", "Dockerfile.api", "--target"]
    run([*command, "trainer", "-t", tag, "."], cwd=ROOT, timeout=1500)
    return tag


@pytest.fixture(scope="module")
def profile(
    docker: str,  # noqa: F811
    compose: list[str],  # noqa: F811
    trainer_image: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[list[str], dict[str, str], str]]:
    env_file = tmp_path_factory.mktemp("dask-compose") / "empty.env"
    env_file.write_text("# the test passes its settings through the environment\n")
    project = f"scoringdask{os.getpid()}"
    environment = compose_environment(
        {
            "IMAGE_TAG": TAG,
            "DASK_SCHEDULER_PORT": str(free_port()),
            "SYNTH_APPLICANTS": "3000",
            "SYNTH_SEED": "11",
            "TRAIN_FOLDS": "2",
            "TRAIN_MAX_ROUNDS": "60",
        }
    )
    command = [*compose, "-p", project, "--env-file", str(env_file)]
    command += [a for f in FILES for a in ("-f", f)] + ["--profile", "dask"]
    try:
        yield command, environment, project
    finally:
        logs = run([*command, "logs", "--no-color", "--tail", "30"], cwd=ROOT, env=environment,
                   check=False)  # fmt: skip
        print(logs.stdout[-4000:])
        run([*command, "down", "--volumes", "--remove-orphans", "--timeout", "20"], cwd=ROOT,
            env=environment, check=False)  # fmt: skip


@pytest.mark.docker
@pytest.mark.slow
def test_the_dask_profile_trains_a_bundle_on_two_workers(
    profile: tuple[list[str], dict[str, str], str],
    docker: str,  # noqa: F811
    trainer_image: str,
) -> None:
    command, environment, project = profile
    started = time.monotonic()
    workers = ("dask-scheduler", "dask-worker-1", "dask-worker-2")
    run([*command, "up", "-d", "--no-build", *workers], cwd=ROOT, env=environment, timeout=300)
    job = run([*command, "run", "--rm", "trainer-dask"], cwd=ROOT, env=environment, timeout=1500)
    took = time.monotonic() - started
    print(f"\ndask profile: cluster up + synthetic data + lake + training {took:.0f}s")
    output = job.stdout + job.stderr
    assert "Dask cluster: 2 workers, 4 threads" in output
    assert "lightgbm.dask:" in output and "bundle " in output

    # The published bundle, read from the models volume: an ordinary bundle, trained on Dask.
    manifest = run(
        [docker, "run", "--rm", "--network", "host", "--entrypoint", "sh",
         "-v", f"{project}_models:/models:ro", trainer_image,
         "-c", 'cat "/models/$(cat /models/current)/manifest.json"'],
    )  # fmt: skip
    found = json.loads(manifest.stdout)
    assert found["training_params"]["engine"] == "dask"
    assert found["n_train"] == 3000 and len(found["fold_models"]) == 2
    assert 0.6 < found["metrics"]["model"]["roc_auc"] < 1.0
