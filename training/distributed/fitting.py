"""`lightgbm.train`, with the boosting done by lightgbm.dask on the cluster's workers.

The cross-fitting (training.model.cv) calls a trainer with `lgb.train`'s signature on subsets of
one binned dataset: fold model k on its fit rows, early-stopped on its early-stopping rows, then
the refit on every row. `DaskTrainer` honours that contract, so the folds, the stopping rule,
the OOF scores, the calibration, the threshold and the reports are those of the single-node
path; only the trees are grown elsewhere:

- the feature matrix is sent to the workers once (row blocks spread by `client.scatter`), and
  each fit selects its rows there, so a fold does not ship its 80 % of the matrix again;
- `DaskLGBMClassifier` grows the trees (data-parallel: every worker bins and histograms its own
  rows, the workers agree on every split), and `to_local().booster_` is the ordinary
  `lgb.Booster` the bundle stores as native text, like any other;
- early stopping runs on the driver, never inside lightgbm.dask. Its early stopping is not
  supported upstream and hangs when the workers disagree on when to stop (LightGBM issues #3712,
  #6351, #7009; socket error 104 in #6197). Instead the booster grows in chunks of rounds
  (`init_model` continues the previous chunk), and after each chunk the driver scores the new
  iterations on the early-stopping rows and feeds the very callbacks `lgb.train` would have
  called (`lgb.early_stopping` included) with the metrics LightGBM would report. A chunk is
  twice the stopping patience, so at most one chunk of rounds is grown past the stop;
- fits never overlap: lightgbm.dask hangs when several trainings run at once on one cluster
  (LightGBM issue #4942), so every fit holds a cluster-wide `distributed.Lock`, which also
  serialises two `scoring train` runs sharing a scheduler;
- ports: each fit lets lightgbm.dask find a free port on every worker (the workers must be able
  to open TCP connections to each other on any port), unless `--lightgbm-port` fixes one port,
  which then needs one Dask worker per host.

The model differs from the single-node one in its bins (each worker proposes bin boundaries
from its own rows) and, after the first chunk, in its bagging draws (chunk c reseeds bagging
and feature sampling with seed + c, so chunks do not repeat each other's draws); the AUC agrees
within 0.01 (tests/test_dask_engine.py).
"""

from __future__ import annotations

import math
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import lightgbm as lgb
import numpy as np
from lightgbm.basic import EvalResult, _ConfigAliases
from sklearn.metrics import roc_auc_score

from training.progress import Progress

if TYPE_CHECKING:
    import dask.array as da
    from distributed import Client

#: Name of the cluster-wide lock every fit holds (LightGBM issue #4942).
FIT_LOCK = "pret-a-depenser/lightgbm-fit"
#: Row blocks scattered to the workers: at least 2 per worker, at most this many bytes each.
BLOCK_BYTES = 64 * 2**20
#: LightGBM clips probabilities to [eps, 1 - eps] in its binary log loss.
LOGLOSS_EPS = 1e-15
#: Rounds per chunk without early stopping rounds to go by.
DEFAULT_CHUNK_ROUNDS = 200

_METRICS: dict[str, tuple[str, bool]] = {
    "auc": ("auc", True),
    "binary_logloss": ("binary_logloss", False),
    "binary": ("binary_logloss", False),
    "logloss": ("binary_logloss", False),
}


def metric_value(metric: str, y: np.ndarray, raw: np.ndarray) -> float:
    """The metric as LightGBM computes it on the binary objective (raw score -> sigmoid)."""
    if metric == "auc":
        return float(roc_auc_score(y, raw))
    p = 1.0 / (1.0 + np.exp(-raw))
    loss = np.where(
        y > 0, -np.log(np.maximum(p, LOGLOSS_EPS)), -np.log(np.maximum(1 - p, LOGLOSS_EPS))
    )
    return float(np.mean(loss))


def _metric_names(params: dict[str, Any]) -> list[tuple[str, bool]]:
    found: Any = None
    for alias in _ConfigAliases.get("metric"):
        if alias in params:
            found = params[alias]
    names = [found] if isinstance(found, str) else list(found or ["binary_logloss"])
    chosen = []
    for name in names:
        if name not in _METRICS:
            raise NotImplementedError(
                f"the Dask trainer evaluates {sorted(set(_METRICS))}; metric {name!r} is not one"
            )
        if _METRICS[name] not in chosen:
            chosen.append(_METRICS[name])
    return chosen


def _source(dataset: lgb.Dataset) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """(the matrix the dataset reads from, the row indices it uses or None for all, the labels
    of every row of that matrix)."""
    base = dataset.reference if dataset.used_indices is not None else dataset
    if base is None or not isinstance(base.data, np.ndarray):
        raise TypeError(
            "the Dask trainer needs the dataset's raw numpy matrix (lgb.Dataset(x, ..., "
            "free_raw_data=False), or a subset of one)"
        )
    labels = np.asarray(base.label if base.label is not None else base.get_label())
    if dataset.used_indices is None:
        return base.data, None, labels
    return base.data, np.asarray(dataset.used_indices, dtype=np.int64), labels


def _names(dataset: lgb.Dataset) -> tuple[list[str] | str, list[str] | str]:
    names = dataset.feature_name
    categorical = dataset.categorical_feature
    return (list(names) if names != "auto" else "auto"), (
        list(categorical) if categorical != "auto" else "auto"
    )


def _ordered(callbacks: Sequence[Callable[..., Any]] | None, params: dict[str, Any]) -> list:
    """The after-iteration callbacks in `lgb.train`'s order, with its params-driven early
    stopping added the way `lgb.train` adds it."""
    chosen = list(callbacks or [])
    for i, cb in enumerate(chosen):
        cb.__dict__.setdefault("order", i - len(chosen))
    rounds = None
    for alias in _ConfigAliases.get("early_stopping_round"):
        rounds = params.pop(alias, rounds)
    if rounds is not None and rounds > 0:
        chosen.append(
            lgb.early_stopping(
                rounds,
                first_metric_only=bool(params.get("first_metric_only", False)),
                min_delta=params.get("early_stopping_min_delta", 0.0),
                verbose=False,
            )
        )
    before = [cb for cb in chosen if getattr(cb, "before_iteration", False)]
    if before:
        raise NotImplementedError(
            "the Dask trainer runs callbacks after each chunk of rounds; a before-iteration "
            f"callback ({before[0]!r}) cannot be honoured"
        )
    return sorted(chosen, key=attrgetter("order"))


class DaskTrainer:
    """A drop-in for `lightgbm.train` (binary objective) growing the trees on a Dask cluster."""

    def __init__(
        self,
        client: Client,
        *,
        listen_port: int | None = None,
        progress: Progress | None = None,
        chunk_rounds: int | None = None,
    ) -> None:
        self.client = client
        self.listen_port = listen_port
        self.progress = progress or Progress("dask", quiet=True)
        self.chunk_rounds = chunk_rounds
        #: The matrix last sent to the workers and its dask array (one at a time: the folds
        #: share one matrix, the refit reads the pruned one).
        self._sent: tuple[np.ndarray, da.Array, da.Array] | None = None
        self.fits = 0

    def release(self) -> None:
        """Frees the matrix held on the workers (before the client closes)."""
        self._sent = None

    # ------------------------------------------------------------------ data on the cluster

    def _on_cluster(self, x: np.ndarray, y: np.ndarray) -> tuple[da.Array, da.Array]:
        if self._sent is not None and self._sent[0] is x:
            return self._sent[1], self._sent[2]
        import dask.array as da

        self._sent = None  # drops the previous matrix's futures, freeing the workers' memory
        # Block i on worker i mod W (workers in address order): the same placement every run,
        # so the same data and seed give the same trees (each worker bins its own rows).
        workers = sorted(self.client.nthreads())
        blocks = max(2 * len(workers), math.ceil(x.nbytes / BLOCK_BYTES))
        rows = max(1, math.ceil(x.shape[0] / blocks))
        bounds = [(a, min(a + rows, x.shape[0])) for a in range(0, x.shape[0], rows)]
        x_parts, y_parts = [], []
        for i, (a, b) in enumerate(bounds):
            where = [workers[i % len(workers)]]
            x_parts += self.client.scatter([x[a:b]], workers=where, hash=False)
            y_parts += self.client.scatter([y[a:b]], workers=where, hash=False)
        x_array = da.concatenate(
            [
                da.from_delayed(f, shape=(b - a, x.shape[1]), dtype=x.dtype)
                for f, (a, b) in zip(x_parts, bounds, strict=True)
            ]
        )
        y_array = da.concatenate(
            [
                da.from_delayed(f, shape=(b - a,), dtype=y.dtype)
                for f, (a, b) in zip(y_parts, bounds, strict=True)
            ]
        )
        self._sent = (x, x_array, y_array)
        return x_array, y_array

    # ------------------------------------------------------------------ lgb.train's contract

    def __call__(
        self,
        params: dict[str, Any],
        train_set: lgb.Dataset,
        num_boost_round: int = 100,
        valid_sets: Sequence[lgb.Dataset] | lgb.Dataset | None = None,
        valid_names: Sequence[str] | str | None = None,
        callbacks: Sequence[Callable[..., Any]] | None = None,
        **unsupported: Any,
    ) -> lgb.Booster:
        used = {
            k: v for k, v in unsupported.items() if v is not None and k != "keep_training_booster"
        }
        if used:
            raise NotImplementedError(f"the Dask trainer does not support {sorted(used)}")
        params = dict(params)
        for alias in _ConfigAliases.get("num_iterations"):
            num_boost_round = int(params.pop(alias, num_boost_round))
        for alias in _ConfigAliases.get("num_threads"):  # lightgbm.dask uses the worker's
            params.pop(alias, None)
        after = _ordered(callbacks, params)
        metrics = _metric_names(params)

        x, rows, labels = _source(train_set)
        x_all, y_all = self._on_cluster(x, labels)
        x_fit = x_all if rows is None else x_all[rows]
        y_fit = y_all if rows is None else y_all[rows]
        names, categorical = _names(train_set)

        valid = _valid(valid_sets, valid_names)
        chunk = num_boost_round
        if valid:
            patience = max([getattr(cb, "stopping_rounds", 0) for cb in after] + [0])
            chunk = self.chunk_rounds or (2 * patience if patience else DEFAULT_CHUNK_ROUNDS)
        booster: lgb.Booster | None = None
        scores = [np.zeros(len(v_y), dtype=np.float64) for _, v_x, v_y in valid]
        results: list[EvalResult] = []
        best_iteration = 0
        done = 0
        while done < num_boost_round:
            rounds = min(chunk, num_boost_round - done)
            booster = self._fit(
                params, x_fit, y_fit, names, categorical, rounds, booster, done // max(chunk, 1)
            )
            stopped = None
            for i in range(done, done + rounds):
                results = []
                for (name, v_x, v_y), score in zip(valid, scores, strict=True):
                    score += booster.predict(
                        v_x, start_iteration=i, num_iteration=1, raw_score=True
                    )
                    results += [
                        EvalResult(name, m, metric_value(m, v_y, score), up) for m, up in metrics
                    ]
                env = lgb.callback.CallbackEnv(
                    model=booster,
                    params=params,
                    iteration=i,
                    begin_iteration=0,
                    end_iteration=num_boost_round,
                    evaluation_result_list=results,
                )
                try:
                    for cb in after:
                        cb(env)
                except lgb.callback.EarlyStopException as stop:
                    best_iteration = stop.best_iteration + 1
                    results = list(stop.best_score)
                    stopped = i
                    break
            if stopped is not None:
                # What lgb.train returns: the trees up to the round it stopped at.
                booster = lgb.Booster(model_str=booster.model_to_string(num_iteration=stopped + 1))
                break
            done += rounds
        assert booster is not None
        booster.best_iteration = best_iteration
        booster.best_score = defaultdict(OrderedDict)
        for result in results:
            booster.best_score[result.dataset_name][result.metric_name] = result.metric_value
        return booster

    def _fit(
        self,
        params: dict[str, Any],
        x: da.Array,
        y: da.Array,
        names: list[str] | str,
        categorical: list[str] | str,
        rounds: int,
        init_model: lgb.Booster | None,
        chunk: int,
    ) -> lgb.Booster:
        from distributed import Lock

        chosen = dict(params)
        if chunk:
            for key in ("bagging_seed", "feature_fraction_seed"):
                if key in chosen:
                    chosen[key] = int(chosen[key]) + chunk
        if self.listen_port is not None:
            chosen["local_listen_port"] = self.listen_port
        model = lgb.DaskLGBMClassifier(client=self.client, n_estimators=rounds, **chosen)
        start = "" if init_model is None else f" after {init_model.current_iteration()}"
        self.progress.say(
            f"lightgbm.dask: {rounds} rounds{start} on {len(self.client.nthreads())} workers"
        )
        with self.client.as_current(), Lock(FIT_LOCK), warnings.catch_warnings():
            # n_jobs: the sklearn alias of num_threads, which lightgbm.dask sets per worker.
            warnings.filterwarnings("ignore", message="Parameter n_jobs will be ignored")
            model.fit(
                x, y, feature_name=names, categorical_feature=categorical, init_model=init_model
            )
        self.fits += 1
        return model.to_local().booster_


def _valid(
    valid_sets: Sequence[lgb.Dataset] | lgb.Dataset | None, valid_names: Sequence[str] | str | None
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, rows, labels) of each validation set, on the driver, in lgb.train's naming."""
    if valid_sets is None:
        return []
    sets = [valid_sets] if isinstance(valid_sets, lgb.Dataset) else list(valid_sets)
    names = [valid_names] if isinstance(valid_names, str) else list(valid_names or [])
    found = []
    for i, dataset in enumerate(sets):
        x, rows, labels = _source(dataset)
        name = names[i] if i < len(names) else f"valid_{i}"
        found.append((name, x, labels) if rows is None else (name, x[rows], labels[rows]))
    return found
