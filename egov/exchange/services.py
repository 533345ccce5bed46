"""Writes of the gate's data: consents (by the data subject), access rights (by operators), the pack's seed.

Every write is an entry of the audit chain: a consent's grant and revocation name the
data subject, so they appear on the person's "Who viewed my data" beside the reads
they allowed; a change of access right names the operator.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from egov.accounts import public as accounts
from egov.catalogue import public as catalogue
from egov.core import clock, yamlio
from egov.core.audit import audit_append
from egov.core.errors import NotFound, PermissionDenied, ValidationError
from egov.exchange import gate
from egov.exchange.models import AccessRight, Consent, ConsentChannel, DataProduct, Purpose, RightSource


def _actor(user: Any) -> tuple[str, str]:
    return f"user:{user.pk}", str(getattr(user, "display_name", "") or user.get_username())


def recipient_name(code: str) -> str:
    """The name of a consumer organisation: a local organisation, or a member known from another deployment."""
    organisation = accounts.organisation(code=code)
    if organisation is not None:
        return organisation.name
    from egov.exchange.selectors import member_name  # the federation's members (selectors keep the lookup)

    return member_name(code) or ""


def consent_grant(
    *, user: Any, product_code: str, purpose: str, recipient: str, days: int,
    channel: str = ConsentChannel.MY_GOV, application_ref: str = "", source_ip: str | None = None,
) -> Consent:
    """The signed-in citizen agrees that ``recipient`` may read ``product_code`` about them for ``purpose``.

    Only a person whose account is linked to a resident record can consent (the consent
    is about that record). ``days`` is the validity, between 1 and
    ``EGOV_CONSENT_MAX_DAYS``.

    The checks come first and write nothing; the consent and its audit entry are then
    written together, in the caller's transaction when there is one (an application's
    filing, whose transaction reads under the consent next: no rollback point of its own
    is needed, ADR 0147) or in one of their own. Within a memo scope the gate is told the
    consent as written, for the read it allows in the same transaction.
    """
    resident_id = getattr(user, "resident_id", None)
    if resident_id is None:
        raise PermissionDenied(_("Prove your identity first: a consent is about your resident record."))
    errors: dict[str, list[str]] = {}
    # The pack's products and purposes as the gate keeps them (one freshness check, not two queries).
    if gate.product_get(product_code) is None:
        errors["product"] = [_("Choose one of the data products listed.")]
    purpose_row = gate.purpose_get(purpose)
    if purpose_row is None:
        errors["purpose"] = [_("Choose one of the purposes listed.")]
    name = recipient_name(recipient) if recipient else ""
    if not name:
        errors["recipient"] = [_("Choose an organisation from the list.")]
    maximum = settings.EGOV_CONSENT_MAX_DAYS
    if not 1 <= days <= maximum:
        errors["days"] = [_("A consent lasts between 1 and %(max)d days.") % {"max": maximum}]
    if errors or purpose_row is None:
        raise ValidationError(_("The consent could not be recorded: correct the fields marked."), field_errors=errors)
    now = clock.now()
    with transaction.atomic(savepoint=False):  # nothing below raises but the database itself
        consent = Consent.objects.create(
            subject_resident_id=resident_id, user=user, product_code=product_code, purpose=purpose_row,
            recipient=recipient, recipient_name=name, channel=channel, application_ref=application_ref,
            granted_at=now, expires_at=now + timedelta(days=days),
        )
        actor, label = _actor(user)
        audit_append(action="consent.granted", actor=actor, actor_label=label, source_ip=source_ip,
                     subject=f"resident:{resident_id}", purpose=purpose_row.name_en if purpose_row else purpose,
                     consent=str(consent.id), object_ref=f"exchange:{product_code}",
                     detail={"recipient": recipient, "expires_at": consent.expires_at, "channel": channel})
        gate.consent_written(consent)
    return consent


@transaction.atomic
def consent_revoke(*, user: Any, consent_id: uuid.UUID, source_ip: str | None = None) -> Consent:
    """The data subject withdraws a consent; the gate refuses every later request that cites it."""
    resident_id = getattr(user, "resident_id", None)
    consent = Consent.objects.select_for_update().filter(id=consent_id).first()
    gate.consent_changed(consent_id)
    if consent is None or resident_id is None or consent.subject_resident_id != resident_id:
        raise NotFound(_("There is no such consent among yours."))
    if consent.revoked_at is None:
        consent.revoked_at = clock.now()
        consent.save(update_fields=["revoked_at"])
        actor, label = _actor(user)
        audit_append(action="consent.revoked", actor=actor, actor_label=label, source_ip=source_ip,
                     subject=f"resident:{resident_id}", consent=str(consent.id),
                     object_ref=f"exchange:{consent.product_code}", detail={"recipient": consent.recipient})
    return consent


@transaction.atomic
def access_right_grant(
    *, by: Any, consumer: str, product_code: str, purpose: str, consent_exempt_article: str = "",
    source: str = RightSource.OPERATOR, source_ref: str = "",
) -> AccessRight:
    """Grant ``consumer`` (an organisation code or ``kind:<kind>``) the right to read a product for a purpose."""
    consumer, consent_exempt_article = consumer.strip(), consent_exempt_article.strip()
    errors: dict[str, list[str]] = {}
    if not consumer:
        errors["consumer"] = [_("Name the consumer organisation (its code) or an organisation kind.")]
    elif not consumer.startswith(("kind:", "standin:")) and not recipient_name(consumer):
        errors["consumer"] = [_("No organisation or member has this code.")]
    if not DataProduct.objects.filter(code=product_code).exists():
        errors["product_code"] = [_("Choose one of the data products listed.")]
    purpose_row = Purpose.objects.filter(code=purpose).first()
    if purpose_row is None:
        errors["purpose"] = [_("Choose one of the purposes listed.")]
    if errors or purpose_row is None:
        raise ValidationError(_("The access right could not be granted: correct the fields marked."), field_errors=errors)
    if AccessRight.objects.filter(consumer=consumer, product_code=product_code, purpose=purpose_row,
                                  revoked_at__isnull=True).exists():
        raise ValidationError(_("This organisation already has this access right."))
    right = AccessRight.objects.create(
        consumer=consumer, product_code=product_code, purpose=purpose_row,
        consent_exempt_article=consent_exempt_article, source=source, source_ref=source_ref,
        granted_by=by if getattr(by, "pk", None) else None,
    )
    actor, label = _actor(by) if getattr(by, "pk", None) else ("system:country-pack", "Country pack")
    audit_append(action="exchange.right.granted", actor=actor, actor_label=label, object_ref=f"exchange:right:{right.id}",
                 purpose=purpose, legal_basis=consent_exempt_article,
                 detail={"consumer": consumer, "product": product_code, "source": source, "source_ref": source_ref})
    return right


@transaction.atomic
def access_right_revoke(*, by: Any, right_id: uuid.UUID) -> AccessRight:
    """Withdraw an access right; the gate refuses the consumer's next request under it."""
    right = AccessRight.objects.select_for_update().filter(id=right_id).first()
    if right is None:
        raise NotFound(_("There is no such access right."))
    if right.revoked_at is None:
        right.revoked_at = clock.now()
        right.revoked_by = by
        right.save(update_fields=["revoked_at", "revoked_by"])
        actor, label = _actor(by)
        audit_append(action="exchange.right.revoked", actor=actor, actor_label=label,
                     object_ref=f"exchange:right:{right.id}", purpose=right.purpose_id,
                     detail={"consumer": right.consumer, "product": right.product_code})
    return right


# --- the country pack's seed ------------------------------------------------------------------


def _pack_file() -> Path:
    return Path(settings.EGOV_COUNTRY_DIR) / "exchange.yaml"


def _check_reader(entry: dict[str, Any]) -> None:
    """A product's reader must exist and read what the pack says, with the parameters the pack declares (ADR 0110).

    The catalogue validates service definitions against the pack's declarations; this
    keeps those declarations true to the code that reads.
    """
    from egov.exchange import products

    code, name = entry.get("code"), entry.get("reader")
    if name not in products.SPECS and name not in products.READERS:
        raise ValueError(f"data product {code} names reader {name!r}, which egov/exchange/products.py lacks")
    spec = products.reader_spec(str(name))
    kind = entry.get("subject_kind", "person")
    if kind != spec.subject:
        raise ValueError(f"data product {code}: subject_kind {kind!r}, but its reader {name} reads a {spec.subject}")
    if set(entry.get("params") or []) != set(spec.params):
        raise ValueError(f"data product {code}: params {sorted(entry.get('params') or [])}, but its reader {name} "
                         f"takes {sorted(spec.params)}")


@transaction.atomic
def exchange_pack_load() -> dict[str, int]:
    """Load purposes and data products from the pack and seed access rights from service evidence lists.

    Idempotent. Purposes and products are updated in place (a product's fields change
    only with a new version in the pack). A right is seeded once: one an operator has
    since revoked is not granted again.
    """
    pack = yamlio.safe_load(_pack_file().read_text(encoding="utf-8")) or {}
    counts = {"purposes": 0, "products": 0, "rights": 0}
    for entry in pack.get("purposes") or []:
        Purpose.objects.update_or_create(code=entry["code"], defaults={"name": entry["name"], "name_en": entry["name_en"]})
        counts["purposes"] += 1
    for entry in pack.get("data_products") or []:
        _check_reader(entry)
        DataProduct.objects.update_or_create(
            code=entry["code"], version=int(entry.get("version", 1)),
            defaults={
                "name": entry["name"], "name_en": entry["name_en"], "description": entry.get("description", ""),
                "description_en": entry.get("description_en", ""), "owner_code": entry["owner"],
                "registry": entry["registry"], "reader": entry["reader"], "fields": list(entry["fields"]),
                "legal_basis": entry["legal_basis"], "subject_kind": entry.get("subject_kind", "person"),
            },
        )
        counts["products"] += 1
    # One right per consumer, product and purpose, naming every service whose evidence list needs it.
    needed: dict[tuple[str, str, str], tuple[str, list[str]]] = {}
    for need in catalogue.evidence_needs():
        if not Purpose.objects.filter(code=need.purpose).exists():
            raise ValueError(f"service {need.service_id} names purpose {need.purpose!r}, which exchange.yaml lacks")
        for consumer in need.consumers:
            article, services = needed.setdefault((consumer, need.product, need.purpose),
                                                  (need.consent_exempt_article, []))
            services.append(f"{need.service_id}@{need.service_version}")
    for (consumer, product_code, purpose), (article, services) in needed.items():
        same = AccessRight.objects.filter(consumer=consumer, product_code=product_code, purpose_id=purpose)
        if same.filter(source=RightSource.SERVICE).exists() or same.filter(revoked_at__isnull=True).exists():
            continue
        AccessRight.objects.create(
            consumer=consumer, product_code=product_code, purpose_id=purpose, consent_exempt_article=article,
            source=RightSource.SERVICE, source_ref=", ".join(services)[:200],
        )
        counts["rights"] += 1
    if counts["rights"]:
        audit_append(action="exchange.rights.seeded", actor="system:country-pack", actor_label="Country pack",
                     object_ref="exchange:rights", detail={"granted": counts["rights"]})
    return counts
