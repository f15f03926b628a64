"""Everything that decides how a model is trained, as one typed, explicit object.

Kept apart from fitted state (the booster, the feature state, the threshold) so that the
manifest records exactly what was asked for, and a retrain with the same config and data gives
the same bundle.

Defaults, measured on 100,000 synthetic applicants x 761 features (80/20 split, AUC of the
true probabilities on the held-out part 0.7942): num_leaves 31 / max_bin 127 reached 0.7800;
15 leaves, 100 rows per leaf, L2 5 and 63 bins reached 0.7824 with a cheaper round. Credit
risk is close to additive in its drivers, so smaller, regularised trees lose nothing and cost
less. Learning rate 0.05 with early stopping at 100 rounds keeps the full Kaggle set (307,511
applicants) inside the 30-minute budget on 2 cores; 0.03 gained another 0.0014 AUC for twice
the rounds, which the budget does not allow at full scale.

On small data the picture differs (real sample, 9,762 applicants, 5 folds with the honest
protocol of training.model.cv, `bench/bench_real_sample_cv.py`): each fold model early-stops on
a 10 % split of about 780 rows and 66 defaults, whose AUC is so noisy that some fold models
stopped after 4 to 10 rounds. Stopping on the log loss instead (smooth, it uses every
probability, not only their order) and a learning rate of 0.02 below 50,000 applicants (a flatter
curve, so a noisy stop costs less) raised the honest CV AUC from 0.748 (sd 0.015 over three
fold seeds; one seed collapsed to 0.730) to 0.763 (sd 0.002) without monotone constraints, 0.760
with them. Full-scale training keeps 0.05; only the stopping metric changes there, on a split
of 24,000 rows where both metrics are smooth (not re-measured at full scale). See
docs/model-quality.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: Learning rate of a training set of SMALL_DATA_ROWS applicants or more (full Kaggle scale).
LEARNING_RATE = 0.05
#: Learning rate below SMALL_DATA_ROWS applicants, where early stopping is noisy.
SMALL_DATA_LEARNING_RATE = 0.02
SMALL_DATA_ROWS = 50_000


class LightGBMParams(BaseModel):
    """LightGBM booster parameters (native names), deterministic for a given seed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: None: automatic, LEARNING_RATE, or SMALL_DATA_LEARNING_RATE when the training set has
    #: fewer than SMALL_DATA_ROWS applicants (see the module docstring).
    learning_rate: float | None = Field(None, gt=0, le=1)
    num_leaves: int = Field(15, ge=2)
    max_depth: int = -1
    min_data_in_leaf: int = Field(100, ge=1)
    feature_fraction: float = Field(0.4, gt=0, le=1)
    bagging_fraction: float = Field(0.8, gt=0, le=1)
    bagging_freq: int = Field(1, ge=0)
    lambda_l2: float = Field(5.0, ge=0)
    max_bin: int = Field(63, ge=3)
    min_data_per_group: int = Field(50, ge=1)
    cat_smooth: float = Field(10.0, ge=0)
    num_threads: int = Field(2, ge=1)

    def resolved_learning_rate(self, n_rows: int) -> float:
        """The learning rate of a training set of `n_rows` applicants."""
        if self.learning_rate is not None:
            return self.learning_rate
        return SMALL_DATA_LEARNING_RATE if n_rows < SMALL_DATA_ROWS else LEARNING_RATE

    def native(self, seed: int, n_rows: int) -> dict[str, Any]:
        """The parameter dict for lgb.train on `n_rows` training applicants: no re-weighting,
        deterministic, quiet."""
        return {
            "objective": "binary",
            "metric": "auc",
            **self.model_dump(),
            "learning_rate": self.resolved_learning_rate(n_rows),
            "seed": seed,
            "bagging_seed": seed,
            "feature_fraction_seed": seed,
            "data_random_seed": seed,
            "deterministic": True,
            "force_col_wise": True,
            "verbosity": -1,
        }


class TrainConfig(BaseModel):
    """The `scoring train` options and the modelling choices behind them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    folds: int = Field(5, ge=2, le=20)
    seed: int = 42
    cost_fn: float = Field(10.0, gt=0)
    cost_fp: float = Field(1.0, gt=0)
    lightgbm: LightGBMParams = LightGBMParams()
    max_rounds: int = Field(3000, ge=1)
    early_stopping_rounds: int = Field(100, ge=1)
    #: What early stopping watches on its split (the AUC is still recorded beside it). The log
    #: loss is far less noisy than the AUC on a small split (module docstring).
    early_stopping_metric: Literal["binary_logloss", "auc"] = "binary_logloss"
    #: Monotone constraints where the direction is domain-certain (external scores, days past
    #: due: training.model.monotone); off for comparison (`--no-monotone`).
    monotone_constraints: bool = True
    #: Optuna trials of the optional hyperparameter search per cross-fitting scope (0: none,
    #: the default: training stays fast). See training.model.tuning.
    tune_trials: int = Field(0, ge=0)
    #: Inner folds of the search's objective (inside the rows of the scope being tuned).
    tune_folds: int = Field(3, ge=2, le=10)
    #: Share of each fold model's training rows (the other folds) set aside for its early
    #: stopping, so the scored fold never chooses its own model's size (training.model.cv).
    early_stopping_fraction: float = Field(0.1, gt=0, lt=0.5)
    #: Drop the features no fold model splits on from the served feature set (exact for the
    #: fold models, which keep their trees; the refit is trained on the kept features only).
    prune_unused_features: bool = True
    #: Bootstrap resamples of the 95 % intervals of AUC and cost (0: no intervals).
    bootstrap_resamples: int = Field(1000, ge=0)
    #: "none": rows keep equal weight, so the booster's probabilities stay probabilities and the
    #: imbalance is handled by the cost threshold. "balanced" (scale_pos_weight = negatives /
    #: positives) is kept for comparison: on the real sample it lowered the AUC (0.763 -> 0.723)
    #: and nearly doubled the Brier score (see training.model.train), so it is not the default.
    class_weighting: Literal["none", "balanced"] = "none"
    #: The logistic baseline is fitted on at most this many rows per fold: it is a yardstick,
    #: and lbfgs on 250,000 x 770 standardised columns would cost as much as the booster.
    logistic_max_rows: int = Field(30_000, ge=100)
    #: Rows used for the global SHAP importance (LightGBM pred_contrib).
    shap_rows: int = Field(20_000, ge=100)
    #: Histogram bins of the dashboard's population reference.
    reference_bins: int = Field(30, ge=5, le=200)
    #: Application fields excluded from the model in addition to the protected attributes of
    #: shared.tables.PROTECTED_ATTRIBUTES (always excluded); `--exclude-attribute NAME`.
    exclude_attributes: tuple[str, ...] = ()

    def booster_params(self, n_rows: int, feature_names: Sequence[str]) -> dict[str, Any]:
        """lgb.train parameters for a fit over `feature_names`, in a training set of `n_rows`
        applicants (which sets the learning rate: every fit of one run uses the same)."""
        params = self.lightgbm.native(self.seed, n_rows)
        # The first metric is the one early stopping watches (first_metric_only in cv.py).
        params["metric"] = list(dict.fromkeys([self.early_stopping_metric, "auc"]))
        if self.monotone_constraints:
            from training.model.monotone import lightgbm_settings

            params.update(lightgbm_settings(feature_names))
        if self.tune_trials:
            # Tuned fold models change min_data_in_leaf on subsets of one binned dataset,
            # which LightGBM allows only without pre-filtering features on it.
            params["feature_pre_filter"] = False
        return params
