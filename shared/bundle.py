"""The model bundle: its layout on disk, its manifest, and a loader that trusts nothing.

Training writes a bundle; the API and the dashboard only read one. Keeping the layout, the typed
JSON documents and the verification in one light module (pydantic, numpy, stdlib: no LightGBM, no
Polars) means the three services cannot disagree about what a bundle is, and a reader never
has to import the training stack to check one.

Layout::

    MODEL_DIR/
        current                 # text file: the name of the version in service
        <version>/
            manifest.json       # Manifest below; lists the sha256 of every other file
            model.txt           # LightGBM native text model (the refit on all training rows)
            folds/fold-<k>.txt  # the K cross-fitting models: fold k never saw the rows of fold k
            feature_state.json  # fitted feature computation (online features for JSON applicants)
            catalogue.json      # shared.catalogue.FeatureCatalogue
            importance.json     # Importance below
            cost_curve.json     # CostCurve below
            reference.json      # Reference below
            clients.parquet     # one row per applicant: id, TARGET, raw fields, features, proba

A version folder is written under a temporary name and renamed into place, and `current` is
replaced last, so a reader sees either the previous bundle or the complete new one. Nothing in a
bundle is pickled: a bundle is data, and loading it must never execute code.

A version is named `<UTC time>-<data fingerprint 8>-<manifest digest 16>`. The manifest lists the
sha256 of every other file and the name ends with the digest of the manifest, so the loader can
check that the version in service is, byte for byte, the one training wrote: an edited manifest
(a threshold raised, say), an edited, missing, extra or linked file is refused. What that does
and does not protect against: docs/bundle-integrity.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

#: Bumped whenever a reader of an older layout would misread a newer one.
FORMAT_VERSION = 1

CURRENT_FILE = "current"
MANIFEST_FILE = "manifest.json"
MODEL_FILE = "model.txt"
FEATURE_STATE_FILE = "feature_state.json"
CATALOGUE_FILE = "catalogue.json"
IMPORTANCE_FILE = "importance.json"
COST_CURVE_FILE = "cost_curve.json"
REFERENCE_FILE = "reference.json"
CLIENTS_FILE = "clients.parquet"
#: Governance documents (shared/governance.py, shared/drift.py read them).
FAIRNESS_FILE = "fairness.json"
DRIFT_REFERENCE_FILE = "drift_reference.json"
MODEL_CARD_FILE = "model_card.md"
#: Folder of the K cross-fitting models (LightGBM native text), one per outer fold.
FOLDS_DIR = "folds"


def fold_model_file(k: int) -> str:
    """Relative path of the model that was trained without the rows of fold `k` (0-based)."""
    return f"{FOLDS_DIR}/fold-{k}.txt"


#: Every file other than the manifest; the manifest lists a sha256 for each.
BUNDLE_FILES: tuple[str, ...] = (
    MODEL_FILE,
    FEATURE_STATE_FILE,
    CATALOGUE_FILE,
    IMPORTANCE_FILE,
    COST_CURVE_FILE,
    REFERENCE_FILE,
    CLIENTS_FILE,
    FAIRNESS_FILE,
    DRIFT_REFERENCE_FILE,
    MODEL_CARD_FILE,
)

#: Columns of clients.parquet besides the raw application fields and the model features.
CLIENT_ID_COLUMN = "SK_ID_CURR"
CLIENT_TARGET_COLUMN = "TARGET"
#: OOF probability for training applicants (honest: the model never saw them), refit-model
#: probability for test applicants. Already calibrated (see Manifest.calibration).
CLIENT_PROBABILITY_COLUMN = "PROBABILITY"
#: "train" or "test": which application file the applicant came from.
CLIENT_SPLIT_COLUMN = "SPLIT"
#: Outer cross-fitting fold (0-based) of a training applicant; null for test applicants. The
#: fold model of that number never saw the applicant and is the one that scores and explains it.
CLIENT_FOLD_COLUMN = "FOLD"
#: Raw application fields are stored under this prefix so they never collide with a model
#: feature of the same name (the feature may be recoded, the raw field is as the file wrote it).
RAW_PREFIX = "RAW_"

#: Version folder names: `<UTC time>-<data fingerprint 8>-<manifest digest>`, never a path.
_VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


#: Hex characters of the manifest digest that end a version name (64 bits: see manifest_digest).
MANIFEST_DIGEST_CHARS = 16


class BundleError(Exception):
    """A bundle that cannot be served: missing, incomplete, altered or of an unknown format."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------------------------
# Manifest
# ---------------------------------------------------------------------------------------------


class FeatureEntry(_Strict):
    """One model input, in model order."""

    name: str
    categorical: bool = False
    #: For a categorical feature: level label of each integer code (code i -> levels[i]).
    levels: list[str] | None = None


class Costs(_Strict):
    """Business cost of each error; a missed default usually costs ~10 wrongly refused loans."""

    false_negative: float = Field(gt=0)
    false_positive: float = Field(gt=0)


class CalibrationBin(_Strict):
    """One decile of predicted probability: what the model said versus what happened."""

    lower: float
    upper: float
    count: int
    mean_predicted: float
    observed_rate: float


class Interval(_Strict):
    """A bootstrap confidence interval (percentile method) around a point estimate."""

    low: float
    high: float
    level: float = 0.95
    #: Bootstrap resamples the interval was computed from.
    resamples: int = 0


class ModelMetrics(_Strict):
    """Out-of-fold metrics of one model (the LightGBM model, or a baseline beside it)."""

    roc_auc: float
    pr_auc: float
    brier: float
    log_loss: float
    threshold: float
    cost_at_threshold: float
    cost_at_half: float
    recall_at_threshold: float
    precision_at_threshold: float
    calibration_table: list[CalibrationBin] = Field(default_factory=list)
    #: Confusion counts at `threshold` (positive = default = refused).
    true_positives: int | None = None
    false_positives: int | None = None
    true_negatives: int | None = None
    false_negatives: int | None = None
    #: Bootstrap 95 % intervals of roc_auc and cost_at_threshold.
    roc_auc_ci: Interval | None = None
    cost_ci: Interval | None = None


class EvaluationProtocol(_Strict):
    """How the reported metrics were obtained, so a validator can judge their honesty.

    The promise: every reported number comes from predictions that influenced none of the
    choices it measures (model fit, early stopping, calibration, threshold).
    """

    #: Short machine name, e.g. "nested-cross-fitting".
    name: str
    description_en: str
    description_fr: str
    outer_folds: int
    #: How early stopping was done without looking at the scored fold.
    early_stopping: str
    bootstrap_resamples: int
    seed: int


class ProxyCheck(_Strict):
    """How well the model's own features predict an attribute excluded from the model.

    AUC near 0.5: the features carry little of the attribute. A high AUC (say > 0.7) means
    proxies remain, and the fairness report is where to look for their effect.
    """

    attribute: str
    #: Cross-validated AUC (one-vs-rest, prevalence-weighted for more than two groups).
    auc: float
    n: int
    classifier: str
    #: Group -> count of training applicants.
    groups: dict[str, int] = Field(default_factory=dict)


class Calibration(_Strict):
    """Maps the booster's raw probability to the served probability.

    Platt: p' = sigmoid(a * logit(p) + b). Isotonic: piecewise-linear through (x, y) points,
    flat outside them. "none" is the identity. The decision (kept or not, and the evidence) is
    stored too, because re-weighting and calibration both change the probabilities customers see.
    """

    method: Literal["none", "platt", "isotonic"] = "none"
    params: dict[str, float | list[float]] = Field(default_factory=dict)
    #: Brier and AUC of the out-of-fold predictions before and after the candidate calibration.
    evidence: dict[str, float] = Field(default_factory=dict)
    reason: str = ""

    def apply(self, probability: np.ndarray | float) -> np.ndarray:
        """Calibrated probabilities for raw booster probabilities (vectorised)."""
        p = np.asarray(probability, dtype=np.float64)
        if self.method == "none":
            return p
        if self.method == "platt":
            a, b = float(self.params["a"]), float(self.params["b"])  # type: ignore[arg-type]
            clipped = np.clip(p, 1e-12, 1 - 1e-12)
            z = a * np.log(clipped / (1 - clipped)) + b
            return 1.0 / (1.0 + np.exp(-z))
        x = np.asarray(self.params["x"], dtype=np.float64)
        y = np.asarray(self.params["y"], dtype=np.float64)
        return np.interp(p, x, y)


class Manifest(_Strict):
    format_version: int
    version: str
    created_at: datetime
    #: sha256 over, for each input file sorted by name: its name, its size and its full content.
    data_fingerprint: str
    library_versions: dict[str, str]
    features: list[FeatureEntry]
    threshold: float = Field(ge=0, le=1)
    costs: Costs
    #: "model", "dummy", "logistic" (and possibly more baselines): honest out-of-fold metrics
    #: (see `evaluation` for the protocol).
    metrics: dict[str, ModelMetrics]
    evaluation: EvaluationProtocol | None = None
    #: Relative paths of the K cross-fitting models, index k = fold k (see fold_model_file).
    fold_models: list[str] = Field(default_factory=list)
    #: Application fields that are never model inputs (kept in the client store for audit).
    protected_attributes: list[str] = Field(default_factory=list)
    #: One proxy check per protected attribute.
    proxy_checks: list[ProxyCheck] = Field(default_factory=list)
    calibration: Calibration
    #: LightGBM parameters, folds, seed, rounds: everything needed to retrain the same model.
    training_params: dict[str, Any]
    n_train: int
    default_rate: float
    #: Relative path -> sha256 of every other file in the version folder.
    files: dict[str, str]

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]

    def decide(self, probability: float) -> Literal["grant", "refuse"]:
        """The business decision for a calibrated probability of default."""
        return "refuse" if probability >= self.threshold else "grant"


# ---------------------------------------------------------------------------------------------
# The other JSON documents (typed so that the API and the dashboard read them the same way)
# ---------------------------------------------------------------------------------------------


class FeatureImportance(_Strict):
    name: str
    mean_abs_shap: float


class GroupImportance(_Strict):
    group: str
    mean_abs_shap: float


class Importance(_Strict):
    """Global importance: mean |SHAP| (log-odds units) per feature and per business group."""

    n_rows: int
    features: list[FeatureImportance]  # sorted, most important first
    groups: list[GroupImportance]


class CostCurve(_Strict):
    """Total business cost (on out-of-fold predictions) of every candidate threshold."""

    thresholds: list[float]
    costs: list[float]
    chosen_threshold: float
    chosen_cost: float
    cost_at_half: float
    false_negative_cost: float
    false_positive_cost: float
    n: int


class Distribution(_Strict):
    """A histogram over shared bin edges (len(counts) == len(edges) - 1)."""

    counts: list[int]
    missing: int


class FeatureReference(_Strict):
    """Population statistics of one feature among the training applicants.

    Numeric features: `edges` and three histograms (all / repaid / defaulted). Categorical
    features: `levels` and one count per level in the same histograms (edges empty).
    Percentiles 0..100 (101 values, NaN-free; empty for a categorical or all-missing feature).
    """

    name: str
    categorical: bool = False
    edges: list[float] = Field(default_factory=list)
    levels: list[str] = Field(default_factory=list)
    all: Distribution
    repaid: Distribution
    defaulted: Distribution
    percentiles: list[float] = Field(default_factory=list)


class Reference(_Strict):
    n_all: int
    n_repaid: int
    n_defaulted: int
    features: dict[str, FeatureReference]


# ---------------------------------------------------------------------------------------------
# Loading and verifying
# ---------------------------------------------------------------------------------------------


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def check_version_name(name: str) -> str:
    """A version name safe to join to MODEL_DIR (no separators, no '..')."""
    if not _VERSION_PATTERN.fullmatch(name) or ".." in name:
        raise BundleError(
            f"invalid bundle version name {name!r}; expected letters, digits, '.', '_' or '-'"
        )
    return name


@dataclass(frozen=True)
class LoadedBundle:
    """A verified bundle: its manifest and the paths of its files (read them as needed)."""

    root: Path
    manifest: Manifest

    def path(self, name: str) -> Path:
        return self.root / name

    @property
    def model_path(self) -> Path:
        return self.root / MODEL_FILE

    @property
    def feature_state_path(self) -> Path:
        return self.root / FEATURE_STATE_FILE

    @property
    def catalogue_path(self) -> Path:
        return self.root / CATALOGUE_FILE

    @property
    def clients_path(self) -> Path:
        return self.root / CLIENTS_FILE

    def read_json(self, name: str) -> Any:
        return json.loads((self.root / name).read_text("utf-8"))

    def importance(self) -> Importance:
        return Importance.model_validate_json((self.root / IMPORTANCE_FILE).read_bytes())

    def cost_curve(self) -> CostCurve:
        return CostCurve.model_validate_json((self.root / COST_CURVE_FILE).read_bytes())

    def reference(self) -> Reference:
        return Reference.model_validate_json((self.root / REFERENCE_FILE).read_bytes())

    def catalogue(self) -> Any:
        """The FeatureCatalogue (imported lazily: the catalogue model lives in shared too)."""
        from shared.catalogue import FeatureCatalogue

        return FeatureCatalogue.model_validate_json((self.root / CATALOGUE_FILE).read_bytes())


def resolve_version(model_dir: Path) -> Path:
    """The version folder `model_dir` designates: itself if it holds a manifest, else `current`.

    A symlinked version folder is refused: the folder's name is the version the audit trail
    records, and a link could make one name serve another folder's content.
    """
    model_dir = Path(model_dir)
    if (model_dir / MANIFEST_FILE).is_file():
        _refuse_symlink(model_dir, "version folder")
        return model_dir
    if not model_dir.is_dir():
        raise BundleError(f"model folder {model_dir} does not exist")
    current = model_dir / CURRENT_FILE
    if not current.is_file():
        raise BundleError(
            f"no bundle in {model_dir}: neither a '{CURRENT_FILE}' file naming the version "
            f"in service nor a {MANIFEST_FILE}; run `scoring train --out {model_dir}` first"
        )
    name = check_version_name(current.read_text("utf-8").strip())
    folder = model_dir / name
    _refuse_symlink(folder, "version folder")
    if not folder.is_dir():
        raise BundleError(f"{current} names version {name!r} but folder {folder} is missing")
    return folder


def _refuse_symlink(path: Path, what: str) -> None:
    if path.is_symlink():
        raise BundleError(
            f"{what} {path} is a symbolic link; a bundle must be a real folder of regular "
            "files (copy it instead of linking it)"
        )


def canonical_json(document: Any) -> bytes:
    """One byte string per JSON value: sorted keys, no spaces, UTF-8 (what the digest hashes)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def manifest_digest(document: dict[str, Any]) -> str:
    """sha256 of the canonical manifest JSON without its `version` field.

    The version name ends with its first MANIFEST_DIGEST_CHARS characters, so the name the API
    serves and the audit trail records stands for this exact manifest, and through the
    manifest's `files` for the exact bytes of every other file.
    """
    return hashlib.sha256(
        canonical_json({k: v for k, v in document.items() if k != "version"})
    ).hexdigest()


def version_digest(version: str) -> str:
    """The manifest digest a version name carries (its last '-'-separated part)."""
    return version.rsplit("-", 1)[-1]


def _read_manifest_document(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST_FILE
    _refuse_symlink(path, "manifest")
    if not path.is_file():
        raise BundleError(f"missing file {MANIFEST_FILE} in bundle {folder}")
    try:
        raw = json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BundleError(f"{path} is not valid JSON: {error}") from error
    found = raw.get("format_version") if isinstance(raw, dict) else None
    if found != FORMAT_VERSION:
        raise BundleError(
            f"unsupported bundle format_version {found!r} in {path}; this software reads "
            f"format_version {FORMAT_VERSION} (retrain with this version, or upgrade)"
        )
    return raw


def _validated(folder: Path, raw: dict[str, Any]) -> Manifest:
    try:
        return Manifest.model_validate(raw)
    except ValidationError as error:
        raise BundleError(
            f"{folder / MANIFEST_FILE} does not match the manifest schema: {error}"
        ) from error


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a version folder, schema-checked (not yet verified: see load_bundle)."""
    return _validated(folder, _read_manifest_document(folder))


def verify_manifest(folder: Path, raw: dict[str, Any]) -> None:
    """The manifest is the one training wrote: its digest is in the version name, which is the
    folder's name (the name `current` points at)."""
    version = raw.get("version")
    expected = manifest_digest(raw)[:MANIFEST_DIGEST_CHARS]
    if not isinstance(version, str) or version_digest(version) != expected:
        raise BundleError(
            f"{MANIFEST_FILE} in bundle {folder} was modified after training: its content "
            f"digest is {expected}, but its version {version!r} ends with "
            f"{version_digest(str(version))!r} (a version name ends with the digest of its "
            "manifest; a bundle written before this check must be retrained)"
        )
    if folder.name != version:
        raise BundleError(
            f"bundle folder {folder} is named {folder.name!r} but its manifest is version "
            f"{version!r}; a version folder must keep its version as its name"
        )


def _safe_relative(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        bool(name)
        and "\\" not in name
        and not path.is_absolute()
        and all(part not in ("", ".", "..") for part in name.split("/"))
    )


def _folder_contents(folder: Path) -> set[str]:
    """Relative paths of every regular file under `folder`; refuses links and special files."""
    found: set[str] = set()
    pending = [folder]
    while pending:
        current = pending.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                relative = Path(entry.path).relative_to(folder).as_posix()
                if entry.is_symlink():
                    raise BundleError(
                        f"{relative} in bundle {folder} is a symbolic link; a bundle holds only "
                        "regular files"
                    )
                if entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    found.add(relative)
                else:
                    raise BundleError(
                        f"{relative} in bundle {folder} is not a regular file; a bundle holds "
                        "only regular files"
                    )
    return found


def verify_files(folder: Path, manifest: Manifest) -> None:
    """Exactly the files the manifest lists, each a regular file unchanged since training.

    A file the manifest does not list is refused too: nothing may sit in a version folder that
    the version's name does not vouch for.
    """
    for name in BUNDLE_FILES:
        if name not in manifest.files:
            raise BundleError(f"manifest in {folder} lists no sha256 for required file {name}")
    for name in manifest.fold_models:
        if name not in manifest.files:
            raise BundleError(
                f"manifest in {folder} lists fold model {name} but no sha256 for it in `files`"
            )
    for name in manifest.files:
        if not _safe_relative(name) or name == MANIFEST_FILE:
            raise BundleError(f"manifest in {folder} names a file outside the bundle: {name!r}")
    present = _folder_contents(folder)
    unlisted = sorted(present - set(manifest.files) - {MANIFEST_FILE})
    if unlisted:
        raise BundleError(
            f"file {unlisted[0]} in bundle {folder} is not listed in its manifest"
            + (f" (nor are {', '.join(unlisted[1:])})" if len(unlisted) > 1 else "")
            + "; a version folder holds only the files training wrote"
        )
    for name, expected in manifest.files.items():
        if name not in present:
            raise BundleError(f"missing file {name} in bundle {folder}")
        found = sha256_file(folder / name)
        if found != expected:
            raise BundleError(
                f"hash mismatch for {name} in bundle {folder}: the file was modified or "
                f"truncated after training (sha256 {found[:12]}…, manifest says {expected[:12]}…)"
            )


def load_bundle(model_dir: Path, *, verify: bool = True) -> LoadedBundle:
    """The bundle in service under `model_dir` (or the version folder given), verified.

    Raises BundleError naming the missing, altered, unlisted or linked file, an edited manifest,
    the unsupported format version or the missing `current`. `verify=False` skips the integrity
    checks (for tools that only list bundles); see docs/bundle-integrity.md for what they cover.
    """
    folder = resolve_version(Path(model_dir))
    raw = _read_manifest_document(folder)
    manifest = _validated(folder, raw)
    if verify:
        verify_manifest(folder, raw)
        verify_files(folder, manifest)
    return LoadedBundle(root=folder, manifest=manifest)
