"""Synthetic Home Credit tables, calibrated on the real sample (`scoring synth`).

The generator lets the whole product run, be tested and be benchmarked without the Kaggle files:
same file names, columns, value domains and formatting, with a known default probability per
applicant so the best achievable AUC is known. `generate` is imported lazily so that
`python -m training.synth.calibrate` does not need the generator's modules.
"""

from __future__ import annotations

from typing import Any

__all__ = ["generate"]


def __getattr__(name: str) -> Any:
    if name == "generate":
        from training.synth.generator import generate

        return generate
    raise AttributeError(name)
