"""`generate`: the whole synthetic data set, deterministic for a given size and seed.

Order of work: applicants -> their application risk score -> a latent payment behaviour
(correlated with that score) -> side tables driven by the behaviour -> default probability from
application fields AND realised side-table behaviour -> TARGET. Every table is written as soon
as it exists and then released, which keeps the full Kaggle scale (58 million rows) within a
few GB. Each stage has its own random stream (seed, stage) so that a change in one table's
logic does not reshuffle the others.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from shared.tables import TARGET
from training.errors import UserFacingError
from training.progress import Progress
from training.synth import risk
from training.synth.applicants import generate_applicants
from training.synth.bureau import generate_bureau, generate_bureau_balance
from training.synth.counts import TEST_SHARE
from training.synth.previous import generate_previous
from training.synth.tablegen import load_profile
from training.synth.writer import (
    FORMATS,
    staged_folder,
    write_description,
    write_table,
    write_truth,
)

_STAGES = ("applicants", "behaviour", "bureau", "bureau_balance", "previous", "target")


def _streams(seed: int) -> dict[str, np.random.Generator]:
    return {name: np.random.default_rng([seed, i]) for i, name in enumerate(_STAGES)}


def check_arguments(applicants: int, seed: int, fmt: str) -> None:
    if isinstance(applicants, bool) or not isinstance(applicants, int) or applicants < 1:
        raise UserFacingError(f"--applicants {applicants!r}: expected an integer >= 1")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UserFacingError(f"--seed {seed!r}: expected an integer >= 0")
    if fmt not in FORMATS:
        raise UserFacingError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")


def generate(
    applicants: int,
    seed: int,
    out: Path,
    *,
    fmt: str = "csv",
    force: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Write the eight Kaggle tables, the column descriptions and truth.csv into `out`.

    `applicants` is the number of application_train rows; application_test gets about 16 % more
    applicants (the Kaggle ratio). Returns the folder.
    """
    check_arguments(applicants, seed, fmt)
    progress = progress or Progress("synth", quiet=True)
    rng = _streams(seed)
    test = max(1, round(applicants * TEST_SHARE))
    with staged_folder(Path(out), force) as folder:

        def emit(name: str, frame: pl.DataFrame) -> None:
            write_table(folder, name, frame, fmt)
            progress.say(f"{name}: {frame.height:,} rows written")

        people = generate_applicants(rng["applicants"], applicants, test)
        progress.say(f"applicants: {applicants:,} train + {test:,} test sampled")
        ids = people.ids
        profile = load_profile()
        app_logit = risk.application_logit(people.frame, profile["risk"])
        score = (app_logit - app_logit.mean()) / (app_logit.std() or 1.0)
        behaviour = risk.BEHAVIOUR_RHO * score + np.sqrt(1 - risk.BEHAVIOUR_RHO**2) * rng[
            "behaviour"
        ].standard_normal(ids.size)

        bureau = generate_bureau(rng["bureau"], ids, behaviour)
        emit("bureau", bureau.frame)
        emit("bureau_balance", generate_bureau_balance(rng["bureau_balance"], bureau, behaviour))
        history = generate_previous(rng["previous"], ids, behaviour, emit)

        effects = risk.BEHAVIOUR_EFFECTS
        logit = (
            app_logit
            + effects["late_instalment_share"]
            * risk.standardise(history.late_share, history.has_instalments)
            + effects["bureau_overdue_share"]
            * risk.standardise(bureau.overdue_share, bureau.has_rows)
            + effects["refused_share"]
            * risk.standardise(history.refused_share, history.has_previous)
            + effects["card_utilisation"] * risk.standardise(history.utilisation, history.has_card)
        )
        del bureau
        probability = risk.probability(logit + risk.solve_intercept(logit))
        target = (rng["target"].random(ids.size) < probability).astype(np.int32)
        frame = people.frame.with_columns(pl.Series(TARGET, target))
        is_test = pl.Series(people.is_test)
        emit("application_train", frame.filter(~is_test))
        emit("application_test", frame.filter(is_test).drop(TARGET))
        write_truth(folder, ids, probability)
        write_description(folder)
        progress.say(
            f"truth.csv: mean default probability {probability.mean():.4f}, "
            f"train TARGET rate {target[~people.is_test].mean():.4f}"
        )
    return Path(out)
