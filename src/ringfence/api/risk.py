"""Risk metrics: conversion per country and prefix (JSON), and ``/metrics`` for Prometheus."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from ringfence.api.auth import require
from ringfence.api.schemas import ConversionOut
from ringfence.compliance.roles import Permission, Principal
from ringfence.risk.metrics import conversion_report, prometheus_text
from ringfence.verify import VerificationService

router = APIRouter(tags=["risk"])
Analyst = Annotated[Principal, Depends(require(Permission.ANALYTICS))]


def _service(request: Request) -> VerificationService:
    service: VerificationService = request.app.state.verifications
    return service


@router.get("/v1/risk/conversion", response_model=ConversionOut)
def conversion(
    request: Request,
    _caller: Analyst,
    scope: Literal["country", "prefix"] = "country",
    days: Annotated[int, Query(ge=1, le=400)] = 14,
) -> ConversionOut:
    """Codes sent, approved and refused, and the conversion rate (approved / sent), per
    destination country or prefix over the last ``days`` UTC days."""
    service = _service(request)
    today = service.clock.now().astimezone(UTC).date()
    return ConversionOut(**conversion_report(service.traffic, today, days=days, scope=scope))


@router.get("/metrics", response_class=Response)
def metrics(request: Request, _caller: Analyst) -> Response:
    """Today's codes sent, verified and refused and the conversion rate per country and
    prefix, in the Prometheus text format (scrape with an ``analytics`` API key)."""
    service = _service(request)
    today = service.clock.now().astimezone(UTC).date()
    return Response(prometheus_text(service.traffic, today), media_type=CONTENT_TYPE_LATEST)
