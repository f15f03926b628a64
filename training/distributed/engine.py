"""The one switch between the single-node engine and Dask, as the commands see it.

An engine answers two questions the training pipeline asks, and nothing else:

- `features(data, tables, state, ...)`: the feature matrix (SK_ID_CURR + features, sorted), the
  value of `feature_bridge.compute_features` on the same tables;
- `trainer`: a function with `lightgbm.train`'s signature that grows one booster. The
  single-node engine's is `lightgbm.train` itself; the Dask engine's grows the trees with
  lightgbm.dask (training.distributed.fitting).

So training.model.cv, train, evaluation and the governance stage run unchanged on either: the
engine changes where the work happens, never what is computed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the command line imports this module to build --help: nothing heavy
    import numpy as np
    import polars as pl
    from distributed import Client

    from training.data.schema import Tables
    from training.distributed.cluster import DaskOptions
    from training.progress import Progress

ENGINES = ("single-node", "dask")


class Engine(Protocol):
    name: str

    def features(
        self,
        data: str | Path,
        tables: Tables,
        state: Any,
        progress: Progress | None = None,
        client_ids: np.ndarray | None = None,
    ) -> pl.DataFrame: ...

    @property
    def trainer(self) -> Callable[..., Any]: ...


class SingleNode:
    """Everything in this process (the default)."""

    name = "single-node"

    def features(
        self,
        data: str | Path,
        tables: Tables,
        state: Any,
        progress: Progress | None = None,
        client_ids: np.ndarray | None = None,
    ) -> pl.DataFrame:
        from training.model.feature_bridge import compute_features

        return compute_features(tables, state, progress, client_ids=client_ids)

    @property
    def trainer(self) -> Callable[..., Any]:
        import lightgbm as lgb

        return lgb.train


class DaskEngine:
    """Partitions of a lake featured on the workers; boosting with lightgbm.dask."""

    name = "dask"

    def __init__(self, client: Client, options: DaskOptions, progress: Progress) -> None:
        self.client = client
        self.options = options
        self.progress = progress
        self._trainer: Any = None

    def features(
        self,
        data: str | Path,
        tables: Tables,
        state: Any,
        progress: Progress | None = None,
        client_ids: np.ndarray | None = None,
    ) -> pl.DataFrame:
        """`tables` is not used: each worker opens its own partition of the lake at `data`."""
        from training.distributed.features import distributed_features

        return distributed_features(self.client, data, state, progress, client_ids=client_ids)

    @property
    def trainer(self) -> Callable[..., Any]:
        if self._trainer is None:
            from training.distributed.fitting import DaskTrainer

            self._trainer = DaskTrainer(
                self.client, listen_port=self.options.lightgbm_port, progress=self.progress
            )
        return self._trainer  # type: ignore[no-any-return]

    def close(self) -> None:
        """Releases what the engine keeps on the cluster (the training matrix)."""
        if self._trainer is not None:
            self._trainer.release()


SINGLE_NODE = SingleNode()
