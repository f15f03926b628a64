"""What model is serving: version, date, threshold, costs, honest metrics and how they were got."""

from __future__ import annotations

from fastapi import APIRouter

from api.dependencies import Caller, Service
from api.routers import AUTH, errors
from shared.bundle import Manifest
from shared.contract import Costs, EvaluationInfo, ModelInfo, ModelMetricsInfo

router = APIRouter(prefix="/v1", tags=["model"])

_METRIC_FIELDS = set(ModelMetricsInfo.model_fields)
_EVALUATION_FIELDS = set(EvaluationInfo.model_fields)


def metrics_info(manifest: Manifest) -> dict[str, ModelMetricsInfo]:
    """The manifest's metrics in the contract's shape (fields the contract does not know, if a
    newer training adds some, are left out rather than breaking the response)."""
    return {
        name: ModelMetricsInfo.model_validate(m.model_dump(mode="json", include=_METRIC_FIELDS))
        for name, m in manifest.metrics.items()
    }


def evaluation_info(manifest: Manifest) -> EvaluationInfo | None:
    if manifest.evaluation is None:
        return None
    return EvaluationInfo.model_validate(
        manifest.evaluation.model_dump(mode="json", include=_EVALUATION_FIELDS)
    )


@router.get("/model", response_model=ModelInfo, responses=errors(*AUTH))
async def model_info(service: Service, _: Caller) -> ModelInfo:
    scorer = service.scorer
    manifest = scorer.manifest
    return ModelInfo(
        version=manifest.version,
        created_at=manifest.created_at.isoformat(),
        threshold=manifest.threshold,
        costs=Costs(
            false_negative=manifest.costs.false_negative,
            false_positive=manifest.costs.false_positive,
        ),
        metrics=metrics_info(manifest),
        evaluation=evaluation_info(manifest),
        fold_models=len(manifest.fold_models),
        feature_count=len(manifest.features),
        calibration_method=manifest.calibration.method,
        n_train=manifest.n_train,
        default_rate=manifest.default_rate,
        library_versions=manifest.library_versions,
        cost_curve_thresholds=scorer.cost_curve.thresholds,
        cost_curve_costs=scorer.cost_curve.costs,
    )
