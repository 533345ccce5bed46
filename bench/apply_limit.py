"""bench-apply's limit: a minimal endpoint doing the database writes of one business closure report.

The URLconf of the benchmark's Granian (``bench.apply_limit_settings``): the product's URLs
plus ``POST /bench/apply-minimal``, which never exists in the product. Per request it writes
the rows an automatically approved ``business-closure-report`` writes through
``POST /api/v1/applications/applications`` — the consent, the exchange-log row of the evidence
read, the case in its final state with its two history rows (opened, approved automatically)
and the year's reference number, the application and its competent office, the two notices
(message and inbox delivery each), the business closed with its dated registry event naming
the case, and the five audit entries (the consent, the evidence read, the case opened, the
application submitted, the transition; the product reads the applicant's own record only
when an office is found by their address, which this service's is not) — and commits
them, the fastest honest way: one transaction, hand-written SQL on Django's connection, the
audit entries through the kernel's ``audit_append`` (the same statement the product runs).
Like the product, it also promises the closure certificate with the approval (the task row,
enqueued through the same library call) and, once the approval has committed, draws, signs
and time-stamps it with the certificates app's ReportLab page and pyHanko signer and stores
its row, its facts (encrypted) and its audit entry in one short transaction.

What it leaves out is what the product does besides those writes: the ORM, the case
engine, the catalogue, the gate's checks, the registry reads beyond the two rows it needs
(the caller's token and the business, locked), the response document with the case's
history. That difference is what bench-apply's ratio measures.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import date, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as product_urlpatterns
from egov.applications.tasks import application_document_issue
from egov.certificates import numbers, rendering, signing
from egov.core import clock
from egov.core import keys as platform_keys
from egov.core.access import PUBLIC, access
from egov.core.audit import audit_append
from egov.core.crypto import encrypt

SERVICE = "business-closure-report"
PRODUCT = "business-status"
PURPOSE = "business_administration"
OFFICE = "cen-nts"
OFFICE_NAME = "국세청"
SERVICE_NAME = "폐업신고"
ACTOR = "system:applications"
NUMBER = re.compile(r"^[0-9]{3}-?[0-9]{2}-?[0-9]{5}$")

_USER = """
SELECT u.id, u.resident_id, u.display_name FROM accounts_personalaccesstoken t
JOIN accounts_user u ON u.id = t.user_id
WHERE t.digest = %s AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > %s) AND u.is_active
"""
_BUSINESS = """
SELECT id, registration_number, name, business_type, business_item, address, started_on, tax_type
FROM registries_business WHERE registration_number = %s AND representative_id = %s AND status = 'active'
FOR UPDATE
"""
_REFERENCE = """
INSERT INTO workflow_referencecounter (year, last) VALUES (%s, 1)
ON CONFLICT (year) DO UPDATE SET last = workflow_referencecounter.last + 1 RETURNING last
"""
_CONSENT = """
INSERT INTO exchange_consent (id, created_at, updated_at, subject_resident_id, user_id, product_code, purpose_id,
  recipient, recipient_name, channel, application_ref, granted_at, expires_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'application', %s, %s, %s)
"""
_LOG = """
INSERT INTO exchange_exchangelog (request_id, direction, client, provider, actor, actor_label, service, product_code,
  product_version, purpose, consent_id, legal_basis, subject_resident_id, status, reason, at, duration_us,
  request_jws, response_jws)
VALUES (%s, 'in_process', %s, '', %s, %s, %s, %s, 1, %s, %s, '', %s, 'released', '', %s, %s, '', '')
"""
_CASE = """
INSERT INTO workflow_case (id, created_at, updated_at, reference, service_id, service_version, definition,
  applicant_id, subject_resident_id, organisation_id, admin_dong_code, channel, state, data, opened_at, closed_at,
  sla_value, sla_unit, due_at, sla_paused_seconds)
VALUES (%s, %s, %s, %s, %s, '1', %s, %s, %s, %s, '', 'online', 'approved', %s, %s, %s, 1, 'days', %s, 0)
"""
_HISTORY = """
INSERT INTO workflow_casehistory (case_id, kind, transition, from_state, to_state, actor, reason, detail, at)
VALUES (%s, 'opened', '', '', 'submitted', %s, '', '{"channel": "online"}', %s),
       (%s, 'transition', 'approve_automatically', 'submitted', 'approved', %s, 'automatic', '{}', %s)
"""
_APPLICATION = """
INSERT INTO applications_application (id, created_at, updated_at, applicant_id, idempotency_key, case_id, reference,
  service_id, service_version, channel, resident_id, organisation_id, form, identifiers, awaiting, facts, evidence,
  fee_amount, fee_currency, fee_exemption, effects_pending, submitted_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 1, 'online', %s, %s, %s, '', '[]', %s, %s, 0, 'KRW', '', '[]', %s)
"""
_OFFICE = """
INSERT INTO applications_applicationoffice (application_id, organisation_id, role) VALUES (%s, %s, 'competent')
"""
_MESSAGES = """
INSERT INTO notifications_message (id, created_at, updated_at, recipient_id, subject, body, category, idempotency_key,
  link, sent_by, template_key, template_version)
VALUES (%s, %s, %s, %s, %s, %s, 'applications', %s, '', 'platform', '', NULL),
  (%s, %s, %s, %s, %s, %s, 'applications', %s, '', 'platform', '', NULL)
"""
_DELIVERIES = """
INSERT INTO notifications_delivery (id, created_at, updated_at, message_id, channel, status, attempts, last_error,
  delivered_at)
VALUES (%s, %s, %s, %s, 'inbox', 'delivered', 0, '', %s), (%s, %s, %s, %s, 'inbox', 'delivered', 0, '', %s)
"""
_CLOSE = "UPDATE registries_business SET status = 'closed', status_changed_on = %s WHERE id = %s"
_EVENT = """
INSERT INTO registries_registryevent (id, registry, kind, entity_type, entity_id, effective_on, recorded_at, before,
  after, cause_kind, cause_ref, legal_basis, reason)
VALUES (%s, 'businesses', 'business.closed', 'business', %s, %s, %s, '{"status": "active", "status_changed_on": null}',
  %s, 'application', %s, 'Value-Added Tax Act, Article 8', 'closure report')
"""
_DOCUMENT = """
INSERT INTO certificates_issueddocument (id, created_at, updated_at, number, document_type, holder_id,
  subject_resident_ids, subject_things, case_reference, application_id, title, authority, issued_at, expires_at,
  status, revoked_at, revocation_cause, public_facts, pdf, sha256, signing_key_id)
VALUES (%s, %s, %s, %s, 'business-closure-certificate', %s, %s, '[]', %s, %s, %s, %s, %s, %s, 'valid', NULL, '', %s, %s,
  %s, %s)
"""
_FACTS = "INSERT INTO certificates_documentfacts (id, created_at, updated_at, document_id, rows) VALUES (%s, %s, %s, %s, %s)"
_NOTICE_BODY = (
    '접수번호: {reference}\n처리 상태: {state}\n나의 정부의 "나의 민원"에서 처리 상황을 확인하세요.'
)


@cache
def _constants() -> tuple[str, str]:
    """The competent office's id and the case's workflow document, found once per process."""
    from egov.applications.definitions import engine_workflow
    from egov.catalogue.public import service_definition

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_organisation WHERE code = %s", [OFFICE])
        office = str(cursor.fetchone()[0])
    return office, json.dumps(engine_workflow(service_definition(SERVICE)), ensure_ascii=False)


def _refused(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"status": status, "detail": detail}, status=status)


def _issue_closure_certificate(*, holder_id: Any, label: str, resident_id: Any, reference: str, application_id: Any,
                               number: str, trade_name: str, closed_on: date) -> None:
    """The closure certificate the product issues after the approval: drawn, signed, stored, audited.

    The same ReportLab page and pyHanko PAdES B-T signature with the in-process TSA as the
    product's, after the approval has committed (as the product does), then its row, its
    facts (encrypted) and its audit entry in one short transaction.
    """
    doc_number = numbers.new_number()
    issued_at = clock.now()
    expires_at = issued_at + timedelta(days=settings.EGOV_CERTIFICATE_VERIFY_DAYS)
    rows = [("대표자 (Representative)", label), ("등록번호 (Registration number)", number),
            ("상호 (Trade name)", trade_name), ("폐업일 (Closed on)", closed_on.isoformat()),
            ("접수번호 (Case reference)", reference)]
    page = rendering.Page(number=doc_number, title_ko="폐업사실증명", title_en="Certificate of closure", rows=rows,
                          authority=OFFICE_NAME, issued_at=issued_at, verify_until=expires_at.date().isoformat(),
                          verify_url=f"{settings.EGOV_BASE_URL}/verify/{doc_number}/")
    pdf = signing.sign_pdf(
        rendering.render_pdf(page), reason=page.title_ko, location=OFFICE_NAME,
        prepare=lambda writer: rendering.prepare_pdfa(writer, title="폐업사실증명 (Certificate of closure)",
                                                      author=OFFICE_NAME, subject=doc_number, created=issued_at))
    document_id, digest = uuid.uuid4(), hashlib.sha256(pdf).hexdigest()
    facts = [{"label": {"ko": k.split(" (")[0], "en": k.split(" (")[1].rstrip(")")}, "value": v} for k, v in rows]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_DOCUMENT, [
            document_id, issued_at, issued_at, doc_number, holder_id, json.dumps([str(resident_id)]), reference,
            application_id, json.dumps({"ko": "폐업사실증명", "en": "Certificate of closure"}, ensure_ascii=False),
            OFFICE_NAME, issued_at, expires_at, json.dumps(facts[:4], ensure_ascii=False), pdf, digest,
            platform_keys.current_key_id(signing.SIGNING_KEY),
        ])
        cursor.execute(_FACTS, [uuid.uuid4(), issued_at, issued_at, document_id,
                                encrypt(json.dumps(facts, ensure_ascii=False), context="certificates.facts")])
        audit_append(action="certificate.issued", actor=ACTOR, subject=f"user:{holder_id}",
                     object_ref=f"document:{document_id}",
                     detail={"type": "business-closure-certificate", "case": reference, "sha256": digest})


@csrf_exempt
@access(PUBLIC)
def apply_minimal(request: HttpRequest) -> HttpResponse:
    """The writes of one automatically approved closure report, for the caller named by its bearer token."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    try:
        body = json.loads(request.body)
        number = str(body["data"]["registration_number"])
        closed_on = date.fromisoformat(str(body["data"]["closed_on"]))
        key = str(body["idempotency_key"])
    except (ValueError, KeyError, TypeError):
        return _refused(422, "send data.registration_number, data.closed_on and idempotency_key")
    if scheme.lower() != "bearer" or not NUMBER.match(number) or closed_on > clock.today() or not key:
        return _refused(422, "a bearer token, a business number and a closing date not after today")
    number = number.replace("-", "")
    office, workflow = _constants()
    now = clock.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_USER, [hashlib.sha256(token.encode()).hexdigest(), now])
        user = cursor.fetchone()
        if user is None or user[1] is None:
            return _refused(401, "the access token was not recognised, or its account has no resident record")
        user_id, resident_id, label = user
        cursor.execute(_BUSINESS, [number, resident_id])
        business = cursor.fetchone()
        if business is None:
            return _refused(422, "no open business of yours has this number")
        cursor.execute(_REFERENCE, [now.year])
        reference = f"{now.year}-{cursor.fetchone()[0]:07d}"
        consent_id, request_id, case_id, application_id = (
            uuid.uuid4(),
            uuid.uuid4(),
            uuid.uuid4(),
            uuid.uuid4(),
        )
        form = {"closed_on": closed_on.isoformat(), "registration_number": number}
        facts = {
            "businesses": [
                {
                    "registration_number": business[1],
                    "name": business[2],
                    "business_type": business[3],
                    "business_item": business[4],
                    "address": business[5],
                    "started_on": business[6].isoformat(),
                    "status": "active",
                    "status_changed_on": None,
                    "tax_type": business[7],
                }
            ]
        }
        evidence = [
            {
                "product": PRODUCT,
                "purpose": PURPOSE,
                "request_id": str(request_id),
                "consent_id": str(consent_id),
                "legal_basis": "",
            }
        ]
        cursor.execute(
            _CONSENT,
            [
                consent_id,
                now,
                now,
                resident_id,
                user_id,
                PRODUCT,
                PURPOSE,
                OFFICE,
                OFFICE_NAME,
                f"{SERVICE}:{key}"[:80],
                now,
                now + timedelta(days=30),
            ],
        )
        cursor.execute(
            _LOG,
            [
                request_id,
                OFFICE,
                ACTOR,
                f"{OFFICE_NAME} · {SERVICE_NAME}",
                SERVICE,
                PRODUCT,
                PURPOSE,
                consent_id,
                resident_id,
                now,
                0,
            ],
        )
        cursor.execute(
            _CASE,
            [
                case_id,
                now,
                now,
                reference,
                SERVICE,
                workflow,
                user_id,
                resident_id,
                office,
                json.dumps({"form": form}),
                now,
                now,
                now + timedelta(days=1),
            ],
        )
        cursor.execute(_HISTORY, [case_id, f"user:{user_id}", now, case_id, ACTOR, now])
        cursor.execute(
            _APPLICATION,
            [
                application_id,
                now,
                now,
                user_id,
                key,
                case_id,
                reference,
                SERVICE,
                resident_id,
                office,
                json.dumps(form),
                json.dumps(facts, ensure_ascii=False),
                json.dumps(evidence),
                now,
            ],
        )
        cursor.execute(_OFFICE, [application_id, office])
        received, approved = uuid.uuid4(), uuid.uuid4()
        cursor.execute(
            _MESSAGES,
            [
                received,
                now,
                now,
                user_id,
                f"민원이 접수되었습니다: {SERVICE_NAME}",
                _NOTICE_BODY.format(reference=reference, state="접수"),
                f"applications:{case_id}:received:1",
                approved,
                now,
                now,
                user_id,
                f"민원이 처리 완료되었습니다: {SERVICE_NAME}",
                _NOTICE_BODY.format(reference=reference, state="처리 완료"),
                f"applications:{case_id}:approve:2",
            ],
        )
        cursor.execute(
            _DELIVERIES, [uuid.uuid4(), now, now, received, now, uuid.uuid4(), now, now, approved, now]
        )
        cursor.execute(_CLOSE, [closed_on, business[0]])
        cursor.execute(
            _EVENT,
            [
                uuid.uuid4(),
                business[0],
                closed_on,
                now,
                json.dumps({"status": "closed", "status_changed_on": closed_on.isoformat()}),
                f"case:{reference}",
            ],
        )
        # The document promised with the approval (the product's task row, through the same library call).
        application_document_issue.enqueue(str(application_id), reference, ACTOR)
        subject, case_ref, by = f"resident:{resident_id}", f"case:{case_id}", f"user:{user_id}"
        audit_append(
            action="consent.granted",
            actor=by,
            actor_label=label,
            subject=subject,
            purpose="Business administration",
            consent=str(consent_id),
            object_ref=f"exchange:{PRODUCT}",
            source_ip=request.META.get("REMOTE_ADDR"),
            detail={
                "channel": "application",
                "recipient": OFFICE,
                "expires_at": (now + timedelta(days=30)).isoformat(),
            },
        )
        audit_append(
            action="person.read",
            actor=ACTOR,
            actor_label=f"{OFFICE_NAME} · {SERVICE_NAME}",
            subject=subject,
            purpose="Business administration",
            legal_basis="Value-Added Tax Act, Article 8",
            consent=str(consent_id),
            object_ref="registries:businesses",
            detail={
                "product": f"{PRODUCT}@1",
                "request": str(request_id),
                "service": SERVICE,
                "organisation": OFFICE,
            },
        )
        audit_append(
            action="case.open",
            actor=by,
            actor_label=label,
            subject=subject,
            object_ref=case_ref,
            detail={
                "reference": reference,
                "service": SERVICE,
                "version": "1",
                "state": "submitted",
                "channel": "online",
            },
        )
        audit_append(
            action="application.submitted",
            actor=by,
            actor_label=label,
            subject=subject,
            object_ref=case_ref,
            source_ip=request.META.get("REMOTE_ADDR"),
            detail={
                "reference": reference,
                "service": SERVICE,
                "version": 1,
                "channel": "online",
                "fee": 0,
                "exemption": "",
            },
        )
        audit_append(
            action="case.transition",
            actor=ACTOR,
            subject=subject,
            object_ref=case_ref,
            detail={
                "reference": reference,
                "transition": "approve_automatically",
                "from": "submitted",
                "to": "approved",
            },
        )
    _issue_closure_certificate(
        holder_id=user_id, label=label, resident_id=resident_id, reference=reference, application_id=application_id,
        number=number, trade_name=business[2], closed_on=closed_on,
    )
    answer: dict[str, Any] = {
        "id": str(application_id),
        "case_id": str(case_id),
        "reference": reference,
        "service_id": SERVICE,
        "state": "approved",
    }
    return JsonResponse(answer, status=201)


urlpatterns = [*product_urlpatterns, path("bench/apply-minimal", apply_minimal)]
handler404 = "egov.core.errors.page_not_found"
handler500 = "egov.core.errors.server_error"
handler403 = "egov.core.errors.permission_denied"
handler400 = "egov.core.errors.bad_request"
