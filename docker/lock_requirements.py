"""Writes requirements/<service>.txt: exact, hash-checked pins for each Docker image.

Why from the virtualenv rather than a fresh resolution: the images must run the versions the test
suite passed with, not whatever the index offers on the day of the build. So the dependency
closure of each extra (api, dashboard, training) is walked through the metadata of the packages
installed in the running interpreter's environment, each one pinned at its installed version, and
pip (`install --dry-run --report`, which reads metadata only) supplies the sha256 of the wheel it
would pick for this platform. The images are built on the same Debian release and Python minor
version as the development machines, so they pick the same wheels; `--require-hashes` makes any
drift fail the build loudly instead of installing something untested.

`build.txt` pins the build backend (setuptools) used to turn the project itself into a wheel.

`constraints.txt` pins (without hashes) the closure of the `all` extra: `make install` installs
the development venv under it, so a fresh machine (CI) gets the very versions the lock files were
made from instead of whatever the index released since, and the lock test stays meaningful.

Usage: .venv/bin/python docker/lock_requirements.py   (or `make lock`)
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]

#: Lock file name -> extras of the project it covers (the base dependencies are always included).
SERVICES: dict[str, tuple[str, ...]] = {
    "api": ("api",),
    "dashboard": ("dashboard",),
    # The trainer image also runs the Dask scheduler and workers (compose profile `dask`).
    "training": ("training", "dask"),
}

#: Never allowed in the dashboard image (it talks to the API over HTTP and must stay light).
DASHBOARD_FORBIDDEN = {"lightgbm", "shap", "polars", "scikit-learn", "pandas", "scipy"}


def _project_requirements(extras: tuple[str, ...]) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    texts = list(project["dependencies"])
    for extra in extras:
        texts.extend(project["optional-dependencies"][extra])
    return [Requirement(text) for text in texts]


def _applies(requirement: Requirement, extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    environment = default_environment()
    if not extras:
        return requirement.marker.evaluate({**environment, "extra": ""})
    return any(requirement.marker.evaluate({**environment, "extra": e}) for e in extras)


def closure(roots: list[Requirement]) -> dict[str, str]:
    """{canonical name: installed version} of everything `roots` pull in, transitively."""
    pinned: dict[str, str] = {}
    seen_extras: dict[str, set[str]] = {}
    queue: list[tuple[Requirement, set[str]]] = [(r, set()) for r in roots]
    while queue:
        requirement, parent_extras = queue.pop()
        if not _applies(requirement, parent_extras):
            continue
        name = canonicalize_name(requirement.name)
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise SystemExit(
                f"{name} (required as {requirement}) is not installed in {sys.prefix}; "
                "install the project with all extras first (`make install`)"
            ) from None
        version = distribution.version
        if requirement.specifier and not requirement.specifier.contains(version, prereleases=True):
            raise SystemExit(f"installed {name}=={version} does not satisfy {requirement}")
        wanted = set(requirement.extras)
        known = seen_extras.setdefault(name, set())
        if name in pinned and wanted <= known:
            continue
        pinned[name] = version
        known |= wanted
        for text in distribution.requires or []:
            queue.append((Requirement(text), wanted))
    return pinned


def wheel_hashes(pins: dict[str, str]) -> dict[str, str]:
    """{canonical name: sha256} of the wheel pip would install for each pin on this platform."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [
            sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed",
            "--no-deps", "--only-binary=:all:", "--report", str(report),
            *(f"{name}=={version}" for name, version in sorted(pins.items())),
        ]  # fmt: skip
        subprocess.run(command, check=True, env={**os.environ, "PIP_NO_INPUT": "1"})
        items = json.loads(report.read_text("utf-8"))["install"]
    found: dict[str, str] = {}
    for item in items:
        name = canonicalize_name(item["metadata"]["name"])
        found[name] = item["download_info"]["archive_info"]["hashes"]["sha256"]
    missing = set(pins) - set(found)
    if missing:
        raise SystemExit(f"pip reported no wheel for: {', '.join(sorted(missing))}")
    return found


def render(title: str, pins: dict[str, str], hashes: dict[str, str]) -> str:
    lines = [
        f"# {title}",
        "# Generated by `make lock` (docker/lock_requirements.py) from the tested .venv;",
        "# do not edit by hand.",
        "# Install with: pip install --no-deps --require-hashes -r <this file>",
    ]
    for name in sorted(pins):
        lines.append(f"{name}=={pins[name]} --hash=sha256:{hashes[name]}")
    return "\n".join(lines) + "\n"


def everything() -> dict[str, str]:
    """Pins of the `all` extra's closure, this project excluded (it is installed editable)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    own = canonicalize_name(project["name"])
    extras = tuple(project["optional-dependencies"])
    return {n: v for n, v in closure(_project_requirements(extras)).items() if n != own}


def render_constraints(pins: dict[str, str]) -> str:
    lines = [
        "# Versions of the tested development venv (every extra), used by `make install` as",
        "# pip constraints. Generated by `make lock` (docker/lock_requirements.py); do not edit.",
    ]
    lines += [f"{name}=={pins[name]}" for name in sorted(pins)]
    return "\n".join(lines) + "\n"


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(text, "utf-8")
    temporary.replace(path)


def _build_backend_pins() -> dict[str, str]:
    """The newest setuptools satisfying pyproject's build-system, as pip resolves it today."""
    build = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["build-system"]
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed",
             "--only-binary=:all:", "--report", str(report), *build["requires"]],
            check=True,
        )  # fmt: skip
        items = json.loads(report.read_text("utf-8"))["install"]
    return {canonicalize_name(i["metadata"]["name"]): i["metadata"]["version"] for i in items}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "requirements")
    args = parser.parse_args(argv)

    all_pins: dict[str, dict[str, str]] = {
        service: closure(_project_requirements(extras)) for service, extras in SERVICES.items()
    }
    leaked = DASHBOARD_FORBIDDEN & set(all_pins["dashboard"])
    if leaked:
        raise SystemExit(f"the dashboard extra pulls in {sorted(leaked)}; keep it light")
    build_pins = _build_backend_pins()
    # One dry run per consistent set: the build venv may pin another setuptools than the runtime.
    hashes = wheel_hashes({name: v for pins in all_pins.values() for name, v in pins.items()})
    build_hashes = wheel_hashes(build_pins)
    for service, pins in all_pins.items():
        extras = "+".join(SERVICES[service])
        title = f"Runtime dependencies of the {service} image (project base + extra {extras})."
        _write_atomically(args.out / f"{service}.txt", render(title, pins, hashes))
        print(f"requirements/{service}.txt: {len(pins)} packages", file=sys.stderr)
    build_title = "Build backend used to turn the project into a wheel inside the images."
    _write_atomically(args.out / "build.txt", render(build_title, build_pins, build_hashes))
    _write_atomically(args.out / "constraints.txt", render_constraints(everything()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
