"""Optional, seeded hyperparameter search (Optuna TPE), honest by construction.

Off by default (`TrainConfig.tune_trials = 0`): the defaults are measured (training.model.config)
and training stays fast. `scoring train --tune-trials N` turns it on.

Protocol: nested. Cross-fitting has K+1 models (fold model k, trained without fold k, and the
refit on every row), so the search is run once per model, each time on that model's own
training rows only:

- for fold model k, the rows outside fold k; its chosen parameters never depended on fold k's
  labels, so fold k's out-of-fold score, every reported metric computed from it, the
  calibration and the threshold (chosen on the other folds' scores) stay honest;
- for the refit, every training row (the refit is never scored by the reported metrics).

A single search on all rows and then cross-fitting with its choice would leak: the choice would
have seen every fold it is then scored on, the same optimism as early stopping on the scored
fold. A search on one held-out part would spend rows that the fold models then lack.

Objective of a trial, inside a scope's rows: `tune_folds`-fold stratified CV (fixed seed), each
inner model early-stopping on its inner validation part with the run's early-stopping metric;
the value is the pooled AUC of the inner out-of-fold scores. The first trial is always the
configured parameters, so a search can only keep or improve them on its objective. The learning
rate is not searched: it stays the run's (so the round counts, and the full-scale time, stay
predictable), and the refit uses the rounds its own search found for its parameters.

Reproducible: the sampler is seeded (seed + scope), LightGBM is deterministic, so the same seed,
data and trial count choose the same parameters. Cost: (K+1) x trials x tune_folds fits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from training.errors import UserFacingError
from training.model.config import TrainConfig
from training.model.cv import _params, fold_indices, make_dataset
from training.progress import Progress


@dataclass(frozen=True)
class Dimension:
    """One searched LightGBM parameter: its range and whether it is searched on a log scale."""

    low: float
    high: float
    integer: bool = False
    log: bool = False
    #: LightGBM's own default, for a parameter the run's configuration does not set.
    default: float | None = None

    def describe(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "integer": self.integer, "log": self.log}


#: The searched parameters (native LightGBM names). Binning (max_bin) and the learning rate are
#: fixed: the first is set once for the shared binned dataset, the second keeps costs known.
SEARCH_SPACE: dict[str, Dimension] = {
    "num_leaves": Dimension(4, 63, integer=True, log=True),
    "min_data_in_leaf": Dimension(20, 400, integer=True, log=True),
    "feature_fraction": Dimension(0.1, 0.9),
    "bagging_fraction": Dimension(0.5, 1.0),
    "lambda_l2": Dimension(0.1, 100.0, log=True),
    "path_smooth": Dimension(0.0, 100.0, default=0.0),
}


@dataclass(frozen=True)
class ScopeResult:
    """The search for one model: its chosen parameters and what they scored."""

    scope: str
    params: dict[str, Any]
    objective: float
    #: Mean best round of the chosen parameters' inner models.
    rounds: int
    default_objective: float


@dataclass(frozen=True)
class TuningResult:
    folds: list[ScopeResult]
    refit: ScopeResult
    trials: int
    seed: int
    inner_folds: int
    space: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def fold_params(self) -> list[dict[str, Any]]:
        return [s.params for s in self.folds]

    def record(self) -> dict[str, Any]:
        """What the manifest's training_params keep: enough to reproduce and to judge it."""
        return {
            "protocol": (
                "nested: one search per cross-fitting model, on that model's training rows "
                f"only; objective: pooled AUC of a {self.inner_folds}-fold inner CV"
            ),
            "trials": self.trials,
            "seed": self.seed,
            "sampler": "optuna TPESampler(seed=seed + scope index)",
            "inner_folds": self.inner_folds,
            "space": self.space,
            "folds": [_scope_record(s) for s in self.folds],
            "refit": _scope_record(self.refit),
        }


def _scope_record(result: ScopeResult) -> dict[str, Any]:
    return {
        "scope": result.scope,
        "params": result.params,
        "objective": result.objective,
        "default_objective": result.default_objective,
        "rounds": result.rounds,
    }


def _optuna() -> Any:
    try:
        import optuna
    except ImportError as error:
        raise UserFacingError(
            "--tune-trials needs Optuna: pip install 'pret-a-depenser-scoring[tuning]'"
        ) from error
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def defaults(base: dict[str, Any]) -> dict[str, Any]:
    """The run's own value of every searched parameter (the search's first trial)."""
    chosen: dict[str, Any] = {}
    for name, d in SEARCH_SPACE.items():
        value = base.get(name, d.default)
        if value is None:
            raise ValueError(f"searched parameter {name} has no value in the run's parameters")
        chosen[name] = int(value) if d.integer else float(value)
    return chosen


def _suggest(trial: Any) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    for name, d in SEARCH_SPACE.items():
        if d.integer:
            chosen[name] = trial.suggest_int(name, int(d.low), int(d.high), log=d.log)
        else:
            chosen[name] = trial.suggest_float(name, d.low, d.high, log=d.log)
    return chosen


def inner_cv(
    x: np.ndarray,
    full: lgb.Dataset,
    y: np.ndarray,
    rows: np.ndarray,
    params: dict[str, Any],
    config: TrainConfig,
) -> tuple[float, int]:
    """(pooled inner out-of-fold AUC, mean best round) of `params` on `rows` of `full`."""
    splitter = StratifiedKFold(n_splits=config.tune_folds, shuffle=True, random_state=config.seed)
    raw = np.zeros(rows.size, dtype=np.float64)
    rounds: list[int] = []
    for inner_fit, inner_valid in splitter.split(np.zeros(rows.size), y[rows]):
        valid_set = full.subset(rows[inner_valid].tolist())
        booster = lgb.train(
            params,
            full.subset(rows[inner_fit].tolist()),
            num_boost_round=config.max_rounds,
            valid_sets=[valid_set],
            valid_names=["inner"],
            callbacks=[
                lgb.early_stopping(
                    config.early_stopping_rounds, first_metric_only=True, verbose=False
                )
            ],
        )
        best = int(booster.best_iteration or booster.current_iteration())
        raw[inner_valid] = booster.predict(x[rows[inner_valid]], num_iteration=best, raw_score=True)
        rounds.append(best)
    return float(roc_auc_score(y[rows], raw)), max(1, round(float(np.mean(rounds))))


def search_scope(
    x: np.ndarray,
    full: lgb.Dataset,
    y: np.ndarray,
    rows: np.ndarray,
    base: dict[str, Any],
    config: TrainConfig,
    *,
    scope: str,
    sampler_seed: int,
    say: Callable[[str], None] = lambda _: None,
) -> ScopeResult:
    """The best of `config.tune_trials` trials on `rows` (the first trial: the defaults)."""
    optuna = _optuna()
    sampler = optuna.samplers.TPESampler(seed=sampler_seed)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.enqueue_trial(defaults(base))

    def objective(trial: Any) -> float:
        auc, rounds = inner_cv(x, full, y, rows, {**base, **_suggest(trial)}, config)
        trial.set_user_attr("rounds", rounds)
        say(f"{scope}: trial {trial.number + 1}/{config.tune_trials} inner AUC {auc:.4f}")
        return auc

    study.optimize(objective, n_trials=config.tune_trials)
    best = study.best_trial
    return ScopeResult(
        scope=scope,
        params=dict(best.params),
        objective=float(best.value),
        rounds=int(best.user_attrs["rounds"]),
        default_objective=float(study.trials[0].value),
    )


def tune(
    x: np.ndarray,
    y: np.ndarray,
    feature_names: list[str],
    categorical: list[str],
    config: TrainConfig,
    progress: Progress,
) -> TuningResult:
    """One search per cross-fitting model (see the module docstring)."""
    if config.tune_trials < 1:
        raise ValueError("tune() needs config.tune_trials >= 1")
    base = _params(config, y, feature_names)
    full = make_dataset(x, y, feature_names, categorical, base)
    full.construct()
    fold_of_row = fold_indices(y, config.folds, config.seed)
    scopes = [(f"fold {k + 1}", np.flatnonzero(fold_of_row != k)) for k in range(config.folds)]
    scopes.append(("refit", np.arange(len(y))))
    results: list[ScopeResult] = []
    for index, (scope, rows) in enumerate(scopes):
        label = f"search for {scope} ({config.tune_trials} trials, {rows.size:,} rows)"
        with progress.stage(label):
            found = search_scope(
                x,
                full,
                y,
                rows,
                base,
                config,
                scope=scope,
                sampler_seed=config.seed + index,
                say=progress.say,
            )
            progress.say(
                f"{scope}: inner AUC {found.objective:.4f} (defaults "
                f"{found.default_objective:.4f}) with {found.params}"
            )
            results.append(found)
    return TuningResult(
        folds=results[:-1],
        refit=results[-1],
        trials=config.tune_trials,
        seed=config.seed,
        inner_folds=config.tune_folds,
        space={name: d.describe() for name, d in SEARCH_SPACE.items()},
    )
