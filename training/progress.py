"""Progress lines for long-running commands: stage, counts and elapsed time on stderr.

Long jobs (generating 58 million rows, training five folds) must tell the operator they are alive
and how far they are, without polluting stdout, which carries machine-readable output.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Progress:
    """Prints `[  12.3s] stage: message` lines; `quiet=True` silences everything."""

    def __init__(self, name: str, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.name = name
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def say(self, message: str) -> None:
        if not self.quiet:
            print(f"[{self.elapsed:7.1f}s] {self.name}: {message}", file=self.stream, flush=True)

    @contextmanager
    def stage(self, label: str) -> Iterator[None]:
        """Announces a stage and, when it ends, how long it took."""
        start = time.perf_counter()
        self.say(f"{label} ...")
        yield
        self.say(f"{label} done in {time.perf_counter() - start:.1f}s")
