"""Rate and concurrency limits per API key: one caller cannot take the service from the others.

Each key (by its NAME, as logged and audited) has a token bucket, refilled at `rate` requests per
second up to `burst`, and a cap on its requests in flight. A request over either limit is refused
at once with 429 and a `Retry-After` header in whole seconds, before its body is read, so a
flood costs the server almost nothing; nothing is queued.

The limiter lives in the event loop's thread (the ASGI middleware calls it), so it needs no lock.
Each uvicorn worker process has its own: with N workers a key gets up to N times the rate. The
defaults (shared/settings.py) are far above what the dashboard or bench/bench_api.py send, so
they only stop runaway callers; an operator sets lower ones per deployment.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float
    in_flight: int = 0


@dataclass(frozen=True)
class Refusal:
    """Why a request was refused and when to try again (whole seconds, at least 1)."""

    reason: str
    retry_after: int


class KeyLimiter:
    """Token bucket and in-flight cap per key; a limit of 0 means "no limit"."""

    def __init__(
        self,
        rate: float,
        burst: int,
        max_in_flight: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = max(burst, 1)
        self.max_in_flight = max_in_flight
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def acquire(self, key: str) -> Refusal | None:
        """Admits one request of `key` (then call `release` when it ends) or says why not."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=float(self.burst), updated=now)
        if self.max_in_flight and bucket.in_flight >= self.max_in_flight:
            return Refusal(f"more than {self.max_in_flight} requests in flight for this API key", 1)
        if self.rate > 0:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens < 1:
                wait = math.ceil((1 - bucket.tokens) / self.rate)
                return Refusal(
                    f"more than {self.rate:g} requests per second for this API key",
                    max(wait, 1),
                )
            bucket.tokens -= 1
        bucket.in_flight += 1
        return None

    def release(self, key: str) -> None:
        bucket = self._buckets.get(key)
        if bucket is not None and bucket.in_flight > 0:
            bucket.in_flight -= 1

    def in_flight(self, key: str) -> int:
        bucket = self._buckets.get(key)
        return bucket.in_flight if bucket is not None else 0
