"""Dropping the features no fold model ever splits on, without retraining and without leakage.

A feature that no tree uses has no effect on any prediction or any SHAP contribution. Once the K
cross-fitting models are trained, the features none of them split on are removed from the
served feature set (manifest, feature state, client store, catalogue, the API's matrix), and the
refit is trained on the kept features only.

Why the fold models are rewritten rather than retrained on the kept features: a second round of
fold models would double the cost of cross-validation, and it would not be honest either (the
kept list was chosen by models that saw every fold's labels, so fold k's second model would
depend on fold k). Rewriting is exact: each fold model keeps its trees and only the feature
indices in its text are renumbered to the kept list, so its predictions on the kept columns are
bit-identical to the original's on all columns (checked at every training by `check_unchanged`,
and in the tests).

The LightGBM text format (v4) holds feature positions in: the header (`max_feature_idx`,
`feature_names`, `feature_infos`, `monotone_constraints`), each tree's `split_feature`, the
`tree_sizes` line (byte length of each tree block, used by the loader), and the parameters block
(`[monotone_constraints: ...]`, `[feature_contri: ...]`, `[categorical_feature: ...]`). Any
other per-feature setting or a linear tree is refused with a message rather than silently
carried over.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np

#: Per-feature parameters the rewrite cannot renumber: pruning refuses a model that sets them.
_UNSUPPORTED_PARAMETERS = (
    "max_bin_by_feature",
    "interaction_constraints",
    "forcedsplits_filename",
    "cegb_penalty_feature_lazy",
    "cegb_penalty_feature_coupled",
)
#: Per-feature parameters renumbered with the kept features (feature_contri: the features
#: training.model.monotone keeps out of every split).
_PER_FEATURE_LISTS = ("monotone_constraints", "feature_contri")
_TREE_START = re.compile(r"^Tree=\d+$", re.MULTILINE)
_END_OF_TREES = "end of trees"


class PruningError(RuntimeError):
    """A model text this module cannot rewrite exactly (an unknown format or setting)."""


def split_counts(model_text: str) -> np.ndarray:
    """Number of splits on each feature over every tree of a model (feature order)."""
    booster = lgb.Booster(model_str=model_text)
    return np.asarray(booster.feature_importance(importance_type="split"), dtype=np.int64)


def used_features(model_texts: Sequence[str], feature_names: Sequence[str]) -> list[str]:
    """Features at least one of the models splits on, in `feature_names` order."""
    total = np.zeros(len(feature_names), dtype=np.int64)
    for text in model_texts:
        counts = split_counts(text)
        if counts.size != len(feature_names):
            raise PruningError(
                f"a fold model has {counts.size} features, expected {len(feature_names)}"
            )
        total += counts
    return [name for name, count in zip(feature_names, total, strict=True) if count > 0]


def _header_value(header: list[str], key: str) -> tuple[int, str] | None:
    for i, line in enumerate(header):
        if line.startswith(f"{key}="):
            return i, line[len(key) + 1 :]
    return None


def _rewrite_tree(block: str, new_index: dict[int, int]) -> str:
    lines = block.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("is_linear=") and line != "is_linear=0":
            raise PruningError("linear trees cannot be pruned: their leaves use features too")
        if line.startswith("split_feature="):
            old = [int(v) for v in line[len("split_feature=") :].split()]
            try:
                lines[i] = "split_feature=" + " ".join(str(new_index[v]) for v in old)
            except KeyError as error:
                raise PruningError(f"a tree splits on feature {error}, which is pruned") from error
    return "\n".join(lines)


def _rewrite_parameters(block: str, keep: list[int], new_index: dict[int, int]) -> str:
    lines = block.split("\n")
    for i, line in enumerate(lines):
        match = re.fullmatch(r"\[(\w+): (.*)\]", line)
        if not match:
            continue
        key, value = match.groups()
        if key in _UNSUPPORTED_PARAMETERS and value.strip():
            raise PruningError(f"pruning cannot renumber LightGBM parameter {key}={value!r}")
        if key in _PER_FEATURE_LISTS and value:
            values = value.split(",")
            lines[i] = f"[{key}: {','.join(values[k] for k in keep)}]"
        elif key == "categorical_feature" and value:
            kept = [str(new_index[int(v)]) for v in value.split(",") if int(v) in new_index]
            lines[i] = f"[{key}: {','.join(kept)}]"
    return "\n".join(lines)


def prune_model_text(model_text: str, feature_names: Sequence[str], keep: Sequence[str]) -> str:
    """The same model reading only the `keep` features (a subset of `feature_names`, in order).

    Raises PruningError if a kept tree uses a dropped feature or the text is not in the
    expected format (then nothing is served from a model that might predict differently).
    """
    names = list(feature_names)
    position = {name: i for i, name in enumerate(names)}
    keep_index = [position[name] for name in keep]
    if keep_index != sorted(keep_index):
        raise PruningError("kept features must be in model order")
    new_index = {old: new for new, old in enumerate(keep_index)}

    trees_at = _TREE_START.search(model_text)
    end_at = model_text.find(_END_OF_TREES)
    if trees_at is None or end_at < 0:
        raise PruningError("not a LightGBM text model (no Tree= block or no 'end of trees')")
    header = model_text[: trees_at.start()].split("\n")
    trees_text = model_text[trees_at.start() : end_at]
    tail = model_text[end_at:]

    found = _header_value(header, "feature_names")
    if found is None or found[1].split(" ") != names:
        raise PruningError("the model's feature_names differ from the training feature list")
    for key in ("feature_names", "feature_infos", "monotone_constraints"):
        entry = _header_value(header, key)
        if entry is None:
            continue
        index, value = entry
        values = value.split(" ")
        if len(values) != len(names):
            raise PruningError(f"header {key} has {len(values)} entries, not {len(names)}")
        header[index] = f"{key}=" + " ".join(values[k] for k in keep_index)
    entry = _header_value(header, "max_feature_idx")
    if entry is None:
        raise PruningError("header has no max_feature_idx")
    header[entry[0]] = f"max_feature_idx={len(keep_index) - 1}"

    starts = [m.start() for m in _TREE_START.finditer(trees_text)] + [len(trees_text)]
    blocks = [trees_text[a:b] for a, b in itertools.pairwise(starts)]
    sizes = _header_value(header, "tree_sizes")
    if sizes is not None:
        declared = [int(v) for v in sizes[1].split()]
        if declared != [len(b.encode()) for b in blocks]:
            raise PruningError("tree_sizes do not match the tree blocks: unknown text layout")
    rewritten = [_rewrite_tree(block, new_index) for block in blocks]
    if sizes is not None:
        header[sizes[0]] = "tree_sizes=" + " ".join(str(len(b.encode())) for b in rewritten)

    parameters_at = tail.find("\nparameters:\n")
    if parameters_at >= 0:
        parameters = _rewrite_parameters(tail[parameters_at:], keep_index, new_index)
        tail = tail[:parameters_at] + parameters
    return "\n".join(header) + "".join(rewritten) + tail


@dataclass(frozen=True)
class PrunedFeatures:
    """The served feature set after pruning, and the fold models rewritten to read it."""

    names: list[str]
    dropped: list[str]
    #: Column of each kept feature in the unpruned matrix.
    columns: np.ndarray
    models: list[str]

    def select(self, x: np.ndarray) -> np.ndarray:
        """The kept columns of an unpruned feature matrix (`x` itself when nothing is dropped)."""
        if not self.dropped:
            return x
        return np.ascontiguousarray(x[:, self.columns])


def prune_fold_models(
    models: Sequence[str], feature_names: Sequence[str], *, enabled: bool
) -> PrunedFeatures:
    """Drops the features none of `models` splits on (nothing when not `enabled`)."""
    names = list(feature_names)
    kept = used_features(models, names) if enabled else names
    if not kept:
        raise PruningError("no fold model splits on any feature: nothing to serve")
    position = {name: i for i, name in enumerate(names)}
    dropped = [name for name in names if name not in set(kept)]
    rewritten = [prune_model_text(m, names, kept) for m in models] if dropped else list(models)
    return PrunedFeatures(
        names=kept,
        dropped=dropped,
        columns=np.asarray([position[n] for n in kept], dtype=np.int64),
        models=rewritten,
    )


def check_unchanged(
    pruned: PrunedFeatures, x_kept: np.ndarray, fold_of_row: np.ndarray, oof_raw: np.ndarray
) -> None:
    """Each rewritten fold model gives, on the kept columns, the very raw scores the original
    gave on all columns (bit for bit); anything else is a bug and stops training."""
    if not pruned.dropped:
        return
    from training.model.cv import predict_raw

    for k, text in enumerate(pruned.models):
        rows = np.flatnonzero(fold_of_row == k)
        again = predict_raw(lgb.Booster(model_str=text), x_kept[rows])
        if not np.array_equal(again, oof_raw[rows]):
            worst = float(np.max(np.abs(again - oof_raw[rows])))
            raise PruningError(
                f"fold model {k} predicts differently after pruning (max raw difference "
                f"{worst:.3g}); train with prune_unused_features off and report the bug"
            )
