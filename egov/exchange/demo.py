"""Demo data of the gate (``egov demo``): a consent of the demo citizen and the reads it allowed.

So that a person trying the demo finds, on My Gov, a consent to revoke and in "Who
viewed my data" an agency's reads with their purpose and data product: the dong
office's read of her household for a child allowance (under her consent) and its read
of her registration extract for a move-in report (under the article that dispenses
with consent). Runs after the registries' demo step; does nothing a second time.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from egov.exchange import public as exchange
from egov.exchange.models import Consent

DEMO_CITIZEN = "alice"
DEMO_CLERK = "clerk"


def ensure_demo_exchange() -> list[str]:
    """Give the demo citizen one consent and let the demo clerk read under it once; return lines to print."""
    users = get_user_model().objects
    citizen = users.filter(username=DEMO_CITIZEN).first()
    clerk = users.filter(username=DEMO_CLERK).first()
    if citizen is None or clerk is None or citizen.resident_id is None:
        return []
    if not Consent.objects.filter(subject_resident_id=citizen.resident_id).exists():
        consent_id = exchange.consent_grant(user=citizen, product_code="resident-registration-copy",
                                            purpose="benefit_eligibility", recipient="adm-1101072", days=90)
        requester = exchange.requester_for_user(clerk)
        exchange.fetch(requester=requester, product="resident-registration-copy", purpose="benefit_eligibility",
                       service="child-allowance", subject_resident_id=citizen.resident_id, consent_id=consent_id)
        exchange.fetch(requester=requester, product="resident-registration-extract", purpose="civil_application",
                       service="move-in-report", subject_resident_id=citizen.resident_id,
                       legal_basis="Resident Registration Act, Article 30")
    return [f"Information sharing: {DEMO_CITIZEN} has a consent on My Gov and the dong office's reads under it "
            "in \"Who viewed my data\"."]
