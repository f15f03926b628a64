"""The catalogue with global importance, one feature's distributions, and the bivariate view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool

from api.dependencies import Caller, Service
from api.routers import AUTH, ClientQuery, errors
from api.scorer import group_label
from shared.contract import (
    Bivariate,
    FeatureDistribution,
    FeatureList,
    FeatureSummary,
    GroupImportance,
)

router = APIRouter(prefix="/v1/features", tags=["features"])


@router.get("", response_model=FeatureList, responses=errors(*AUTH))
async def list_features(service: Service, _: Caller) -> FeatureList:
    scorer = service.scorer
    importance = {f.name: f.mean_abs_shap for f in scorer.importance.features}
    names = sorted(scorer.feature_names, key=lambda n: (-importance.get(n, 0.0), n))
    summaries = []
    for rank, name in enumerate(names, start=1):
        info = scorer.info(name)
        group_fr, group_en = group_label(str(info.group))
        summaries.append(
            FeatureSummary(
                name=name,
                label_fr=info.label_fr,
                label_en=info.label_en,
                unit=info.unit,
                group=str(info.group),
                group_label_fr=group_fr,
                group_label_en=group_en,
                family=info.family,
                categorical=scorer.levels(name) is not None,
                description_fr=info.description_fr,
                description_en=info.description_en,
                importance=importance.get(name, 0.0),
                rank=rank,
                has_distribution=True,
            )
        )
    groups = []
    for group in scorer.importance.groups:
        label_fr, label_en = group_label(group.group)
        groups.append(
            GroupImportance(
                group=group.group,
                label_fr=label_fr,
                label_en=label_en,
                importance=group.mean_abs_shap,
            )
        )
    return FeatureList(features=summaries, groups=groups)


@router.get(
    "/bivariate",
    response_model=Bivariate,
    responses=errors(*AUTH, 404, 422),
    summary="A fixed sample of the population with two features, outcome and probability",
)
async def bivariate(
    service: Service,
    _: Caller,
    x: Annotated[str, Query(min_length=1, max_length=200)],
    y: Annotated[str, Query(min_length=1, max_length=200)],
    client_id: ClientQuery = None,
) -> Bivariate:
    return await run_in_threadpool(service.population.bivariate, x, y, client_id)


@router.get(
    "/{name}/distribution",
    response_model=FeatureDistribution,
    responses=errors(*AUTH, 404, 422),
    summary="Histograms among all, repaid, defaulted and similar clients, with the client's place",
)
async def distribution(
    service: Service,
    _: Caller,
    name: Annotated[str, Path(min_length=1, max_length=200)],
    client_id: ClientQuery = None,
) -> FeatureDistribution:
    return await run_in_threadpool(service.population.distribution, name, client_id)
