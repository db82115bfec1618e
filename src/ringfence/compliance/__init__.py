"""Privacy and compliance: the consent ledger, suppression lists and do-not-call registries
(more to come: reassigned numbers, campaign audiences, data-subject requests, retention)."""

from ringfence.compliance.consent import ConsentLedger
from ringfence.compliance.model import (
    ComplianceError,
    ConsentEvent,
    ConsentKind,
    ConsentState,
    ContactChannel,
    ContactPurpose,
    Evidence,
    LawfulBasis,
)
from ringfence.compliance.suppression import (
    RegistryImport,
    RegistryStale,
    Suppression,
    Suppressions,
)

__all__ = [
    "ComplianceError",
    "ConsentEvent",
    "ConsentKind",
    "ConsentLedger",
    "ConsentState",
    "ContactChannel",
    "ContactPurpose",
    "Evidence",
    "LawfulBasis",
    "RegistryImport",
    "RegistryStale",
    "Suppression",
    "Suppressions",
]
