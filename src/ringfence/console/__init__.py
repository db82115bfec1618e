"""What the dashboard shows and its JSON twins return: one library function per page, each
checking the caller's permission first (:func:`ringfence.compliance.roles.authorize`)."""

from ringfence.console.activity import (
    audit_log,
    data_quality,
    outbox,
    risk_overview,
    verification_log,
)
from ringfence.console.analytics import analytics_overview, chart_svg
from ringfence.console.contacts import contact_page, reveal, search_contacts
from ringfence.console.sessions import DashboardSession, Sessions
from ringfence.console.users import DashboardUser, DashboardUsers, UserError

__all__ = [
    "DashboardSession",
    "DashboardUser",
    "DashboardUsers",
    "Sessions",
    "UserError",
    "analytics_overview",
    "audit_log",
    "chart_svg",
    "contact_page",
    "data_quality",
    "outbox",
    "reveal",
    "risk_overview",
    "search_contacts",
    "verification_log",
]
