"""What model is serving: version, date, threshold, costs, metrics."""

from __future__ import annotations

from fastapi import APIRouter

from api.dependencies import Caller, Service
from api.routers import AUTH, errors
from shared.contract import Costs, ModelInfo

router = APIRouter(prefix="/v1", tags=["model"])


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
        metrics={name: m.model_dump(mode="json") for name, m in manifest.metrics.items()},
        feature_count=len(manifest.features),
        calibration_method=manifest.calibration.method,
        n_train=manifest.n_train,
        default_rate=manifest.default_rate,
        library_versions=manifest.library_versions,
        cost_curve_thresholds=scorer.cost_curve.thresholds,
        cost_curve_costs=scorer.cost_curve.costs,
    )
