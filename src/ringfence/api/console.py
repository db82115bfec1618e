"""The JSON twins of the dashboard's pages: the same :mod:`ringfence.console` functions,
under ``/v1``, for API keys whose role allows them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from ringfence import console
from ringfence.api.auth import require
from ringfence.api.schemas import ErrorBody
from ringfence.compliance.roles import Permission, Principal
from ringfence.web.context import Dashboard

router = APIRouter(prefix="/v1", tags=["dashboard"])
Reader = Annotated[Principal, Depends(require(Permission.CONTACTS_READ))]
Revealer = Annotated[Principal, Depends(require(Permission.CONTACTS_REVEAL))]
Analyst = Annotated[Principal, Depends(require(Permission.ANALYTICS))]
Auditor = Annotated[Principal, Depends(require(Permission.AUDIT_READ))]
Developer = Annotated[Principal, Depends(require(Permission.OUTBOX))]
Limit = Annotated[int, Query(ge=1, le=500)]
ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 422)
}


def _board(request: Request) -> Dashboard:
    board: Dashboard = request.app.state.dashboard
    return board


class ContactSummary(BaseModel):
    id: str
    name: str
    phones: list[str] = Field(description="Masked numbers.")
    country: str | None


class ContactSearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str = Field(
        max_length=100, description="A number in any format, its last digits, or a name."
    )
    region: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")


class ContactSearchOut(BaseModel):
    query_kind: str = Field(description="number, number_suffix, name or empty")
    results: list[ContactSummary]


class PhonePointOut(BaseModel):
    id: str
    number: str = Field(description="Masked.")
    label: str
    primary: bool
    type: str
    region: str | None
    status: str


class ContactOut(BaseModel):
    id: str
    name: str
    emails: list[str]
    country: str | None
    organization: str | None
    tags: list[str]
    external_id: str | None
    status: str
    phones: list[str]
    phone_points: list[PhonePointOut]
    consent: list[dict[str, Any]]
    verifications: list[dict[str, Any]]
    merges: list[dict[str, Any]]
    reveals: list[dict[str, Any]]


class RevealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=5, max_length=200, description="Why; recorded in the audit log.")


class RevealOut(BaseModel):
    numbers: list[str] = Field(description="E.164, in clear: this call is audited.")


class QualityOut(BaseModel):
    contacts: int
    phones: int
    metadata_version: str
    checks: dict[str, dict[str, Any]]


class VerificationLogOut(BaseModel):
    verifications: list[dict[str, Any]]


class OutboxOut(BaseModel):
    messages: list[dict[str, Any]]


class RiskOverviewOut(BaseModel):
    conversion: dict[str, Any]
    decisions: list[dict[str, Any]]


class AnalyticsOut(BaseModel):
    available: bool
    k: int
    charts: list[dict[str, Any]] = Field(description="Title and Vega-Lite specification.")


class AuditLogOut(BaseModel):
    chain: dict[str, Any]
    events: list[dict[str, Any]]


@router.post("/contacts/search", response_model=ContactSearchOut, responses=ERRORS)
def search_contacts(request: Request, caller: Reader, body: ContactSearchIn) -> dict[str, Any]:
    """Contacts by a number in any format (``region`` for national forms), its last digits,
    or part of a name; numbers masked. A POST: the number never sits in a URL."""
    board = _board(request)
    region = body.region.upper() if body.region else board.settings.default_region
    return console.search_contacts(board.store, caller, body.q, region=region)


@router.get("/contacts/{contact_id}", response_model=ContactOut, responses=ERRORS)
def get_contact(request: Request, caller: Reader, contact_id: str) -> dict[str, Any]:
    """One contact, numbers masked, with consent, verification, merge and reveal history."""
    board = _board(request)
    return console.contact_page(board.store, board.ledger, caller, contact_id)


@router.post("/contacts/{contact_id}/reveal", response_model=RevealOut, responses=ERRORS)
def reveal_contact(
    request: Request, caller: Revealer, contact_id: str, body: RevealIn
) -> dict[str, Any]:
    """The contact's numbers in clear, for a stated reason (audited)."""
    return console.reveal(_board(request).store, caller, contact_id, reason=body.reason)


@router.get("/quality", response_model=QualityOut, responses=ERRORS)
def quality(request: Request, caller: Reader) -> dict[str, Any]:
    """The data-quality report of the contact store (examples masked)."""
    return console.data_quality(_board(request).store, caller)


@router.get("/verifications", response_model=VerificationLogOut, responses=ERRORS)
def verification_log(request: Request, caller: Reader, limit: Limit = 50) -> dict[str, Any]:
    """The newest verifications, destinations masked."""
    board = _board(request)
    return console.verification_log(board.engine, board.keyring, caller, limit=limit)


@router.get("/outbox", response_model=OutboxOut, responses=ERRORS)
def outbox(request: Request, caller: Developer, limit: Limit = 50) -> dict[str, Any]:
    """The development channel's messages (refused in production), destinations masked."""
    board = _board(request)
    return console.outbox(board.engine, board.keyring, board.settings, caller, limit=limit)


@router.get("/risk/overview", response_model=RiskOverviewOut, responses=ERRORS)
def risk_overview(
    request: Request, caller: Analyst, days: Annotated[int, Query(ge=1, le=400)] = 14
) -> dict[str, Any]:
    """Conversion per country and the latest risk decisions with their reasons."""
    board = _board(request)
    return console.risk_overview(board.engine, board.keyring, board.clock, caller, days=days)


@router.get("/analytics/overview", response_model=AnalyticsOut, responses=ERRORS)
def analytics_overview(request: Request, caller: Analyst) -> dict[str, Any]:
    """The analytics page's charts (k-suppressed aggregates) as Vega-Lite specifications."""
    return console.analytics_overview(_board(request).settings.analytics_dataset, caller)


@router.get("/audit", response_model=AuditLogOut, responses=ERRORS)
def audit_log(request: Request, caller: Auditor, limit: Limit = 100) -> dict[str, Any]:
    """The newest audit entries and the verification of the whole hash chain."""
    return console.audit_log(_board(request).engine, caller, limit=limit)
