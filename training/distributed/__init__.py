"""Dask as the distributed engine of `scoring features`, `train`, `score` and `monitor`.

`--engine dask` hands the work that grows with the portfolio to a Dask cluster, through code
that already exists:

- features: each partition of a Parquet lake (`scoring ingest`) is computed by the single-node
  Polars feature code on a worker that reads that partition itself (features.py);
- boosting: LightGBM's own `lightgbm.dask` grows the trees on the workers' rows, behind the
  `lgb.train` signature the cross-fitting already calls (fitting.py), so the folds, early
  stopping, calibration, threshold and reports of `scoring train` are the single-node ones;
- batch scoring: each partition is featured, scored and written to Parquet by a worker
  (scoring.py).

`engine.py` is the one switch (SingleNode or DaskEngine), `cluster.py` connects to a scheduler or
starts a local cluster. Nothing here imports Dask until a Dask engine is asked for, so the
single-node path and the images without the `dask` extra never load it. See docs/scale-out.md.
"""
