"""The dashboard's pages: each calls one function of :mod:`ringfence.console` and renders
it; the same function answers the page's JSON twin under ``/v1``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from ringfence import console
from ringfence.compliance.model import ComplianceError
from ringfence.compliance.roles import Permission
from ringfence.console import DashboardSession
from ringfence.errors import RingfenceError
from ringfence.verify import VerificationNotFound
from ringfence.web.auth import mark_page, page
from ringfence.web.context import dashboard, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_page)])

Reader = Annotated[DashboardSession, Depends(page(Permission.CONTACTS_READ))]
Revealer = Annotated[DashboardSession, Depends(page(Permission.CONTACTS_REVEAL))]
Analyst = Annotated[DashboardSession, Depends(page(Permission.ANALYTICS))]
Auditor = Annotated[DashboardSession, Depends(page(Permission.AUDIT_READ))]
Developer = Annotated[DashboardSession, Depends(page(Permission.OUTBOX))]
Verifier = Annotated[DashboardSession, Depends(page(Permission.VERIFY))]
SignedIn = Annotated[DashboardSession, Depends(page(None))]

# The first page each permission opens, in the order the navigation lists them.
HOME = [
    (Permission.CONTACTS_READ, "/contacts"),
    (Permission.ANALYTICS, "/analytics"),
    (Permission.AUDIT_READ, "/audit"),
    (Permission.OUTBOX, "/outbox"),
]


@router.get("/")
def home(session: SignedIn) -> Response:
    target = next((path for p, path in HOME if session.principal.can(p)), "/account")
    return RedirectResponse(target, status_code=303)


@router.get("/account")
def account(request: Request, _session: SignedIn) -> Response:
    return render(request, "account.html")


@router.get("/contacts")
def contacts(request: Request, _session: Reader) -> Response:
    region = dashboard(request).settings.default_region or ""
    return render(request, "contacts.html", q="", region=region, found=None)


@router.post("/contacts/search")
def search(
    request: Request,
    session: Reader,
    q: Annotated[str, Form(max_length=1000)] = "",
    region: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """A POST, so that the number searched for never sits in a URL (history, logs)."""
    board = dashboard(request)
    region = region.strip().upper() or board.settings.default_region or ""
    found = console.search_contacts(board.store, session.principal, q, region=region or None)
    template = "contacts_results.html" if request.headers.get("hx-request") else "contacts.html"
    return render(request, template, q=q, region=region, found=found)


@router.get("/contacts/{contact_id}")
def contact(request: Request, session: Reader, contact_id: str) -> Response:
    board = dashboard(request)
    view = console.contact_page(board.store, board.ledger, session.principal, contact_id)
    return render(request, "contact.html", contact=view)


@router.post("/contacts/{contact_id}/reveal")
def reveal(
    request: Request, session: Revealer, contact_id: str, reason: Annotated[str, Form()] = ""
) -> Response:
    board = dashboard(request)
    try:
        numbers = console.reveal(board.store, session.principal, contact_id, reason=reason)
    except ComplianceError as exc:
        error: str | None = str(exc)
        numbers, status = {"numbers": []}, 422
    else:
        error, status = None, 200
    template = "revealed.html" if request.headers.get("hx-request") else "revealed_page.html"
    return render(
        request,
        template,
        status=status,
        numbers=numbers["numbers"],
        error=error,
        contact_id=contact_id,
    )


@router.get("/quality")
def quality(request: Request, session: Reader) -> Response:
    report = console.data_quality(dashboard(request).store, session.principal)
    return render(request, "quality.html", report=report)


@router.get("/verifications")
def verifications(request: Request, session: Reader) -> Response:
    board = dashboard(request)
    log = console.verification_log(board.engine, board.keyring, session.principal)
    return render(request, "verifications.html", log=log)


@router.post("/verifications")
def start_test_verification(
    request: Request,
    _session: Verifier,
    to: Annotated[str, Form()] = "",
    region: Annotated[str, Form()] = "",
) -> Response:
    """A test code through the configured channel (development: the outbox)."""
    board = dashboard(request)
    try:
        started = board.verifications.start(
            to, purpose="signup", region=region or board.settings.default_region
        )
    except RingfenceError as exc:
        return render(request, "verify_result.html", status=422, error=str(exc))
    return render(request, "verify_result.html", verification=started.to_dict())


@router.post("/verifications/{verification_id}/check")
def check_test_verification(
    request: Request, _session: Verifier, verification_id: str, code: Annotated[str, Form()] = ""
) -> Response:
    board = dashboard(request)
    try:
        checked = board.verifications.check(verification_id, code.strip())
    except VerificationNotFound:
        return render(
            request, "verify_result.html", status=404, error="no such pending verification"
        )
    except RingfenceError as exc:
        return render(request, "verify_result.html", status=422, error=str(exc))
    return render(request, "verify_result.html", verification=checked.to_dict(), checked=True)


@router.get("/outbox")
def outbox(request: Request, session: Developer) -> Response:
    board = dashboard(request)
    messages = console.outbox(board.engine, board.keyring, board.settings, session.principal)
    return render(request, "outbox.html", outbox=messages)


@router.get("/risk")
def risk(request: Request, session: Analyst) -> Response:
    board = dashboard(request)
    overview = console.risk_overview(board.engine, board.keyring, board.clock, session.principal)
    return render(request, "risk.html", risk=overview)


@router.get("/analytics")
def analytics(request: Request, session: Analyst) -> Response:
    dataset = dashboard(request).settings.analytics_dataset
    overview = console.analytics_overview(dataset, session.principal)
    return render(request, "analytics.html", analytics=overview)


@router.get("/analytics/charts/{index}.svg")
def chart(request: Request, session: Analyst, index: int) -> Response:
    dataset = dashboard(request).settings.analytics_dataset
    svg = console.chart_svg(dataset, session.principal, index)
    return Response(svg, media_type="image/svg+xml")


@router.get("/audit")
def audit(request: Request, session: Auditor) -> Response:
    log = console.audit_log(dashboard(request).engine, session.principal)
    return render(request, "audit.html", log=log)
