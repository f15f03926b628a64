"""Prints the size of each image and of its largest layers, to keep the images small on purpose.

Usage: python bench/docker_sizes.py [--tag local] [--docker /usr/bin/docker]
Build the images first (`make docker-build`, or the docker test, which tags them `test`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys

IMAGES = ("scoring-api", "scoring-trainer", "scoring-dashboard")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", default="local")
    parser.add_argument("--docker", default=shutil.which("docker") or "docker")
    parser.add_argument("--layers", type=int, default=4, help="largest layers shown per image")
    args = parser.parse_args(argv)
    for name in IMAGES:
        image = f"{name}:{args.tag}"
        inspect = subprocess.run(
            [args.docker, "image", "inspect", image], capture_output=True, text=True, check=False
        )
        if inspect.returncode != 0:
            print(f"{image}: not built", file=sys.stderr)
            continue
        size = json.loads(inspect.stdout)[0]["Size"]
        history = subprocess.run(
            [
                args.docker,
                "history",
                "--no-trunc",
                "--human=false",
                "--format",
                "{{json .}}",
                image,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        layers = sorted((json.loads(line) for line in history), key=lambda x: -int(x["Size"]))
        print(f"{image}: {size / 1e6:.0f} MB")
        for layer in layers[: args.layers]:
            created_by = " ".join(layer["CreatedBy"].split())
            created_by = created_by.replace("/bin/sh -c #(nop) ", "")
            print(f"  {int(layer['Size']) / 1e6:7.1f} MB  {created_by[:90]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
