"""``egov exchange …``: federation between deployments, for operators (docs/exchange-federation.md).

- ``configuration export [--out FILE]``: this deployment's signed member registry, and its anchor;
- ``configuration anchor``: the SHA-256 fingerprint of this deployment's root CA, alone;
- ``configuration trust FILE|URL --anchor SHA256``: trust another deployment's registry;
- ``configuration refresh``: fetch every trusted registry again from its URL;
- ``members``: the members this deployment trusts, their keys and the age of their registry;
- ``request --provider … --product … --purpose … --service … --subject …``: try a request;
- ``evidence export REQUEST_ID --out FILE`` and ``evidence verify FILE [--anchor …]`` (offline).
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

import urllib3
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from egov.core import clock
from egov.core.errors import ApplicationError
from egov.exchange.federation import client, configuration, evidence
from egov.exchange.gate import Refused, Requester
from egov.exchange.models import Member


class Command(BaseCommand):
    help = "Federation between deployments: member registries, trusted members, requests and evidence."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        config = commands.add_parser("configuration").add_subparsers(dest="action", required=True)
        export = config.add_parser("export")
        export.add_argument("--out", help="write the registry to this file (default: standard output)")
        trust = config.add_parser("trust")
        trust.add_argument("source", help="a file holding the registry, or its configuration URL")
        trust.add_argument("--anchor", required=True, help="the SHA-256 fingerprint of its root CA, given out of band")
        config.add_parser("refresh")
        config.add_parser("anchor")
        commands.add_parser("members")
        request = commands.add_parser("request")
        for name in ("provider", "product", "purpose", "service", "subject"):
            request.add_argument(f"--{name}", required=True)
        request.add_argument("--consent", type=uuid.UUID)
        request.add_argument("--basis", default="", help="the article that dispenses with consent")
        request.add_argument("--label", default="", help="the official or system, as the data subject will see it")
        request.add_argument("--timeout", type=float)
        proof = commands.add_parser("evidence").add_subparsers(dest="action", required=True)
        out = proof.add_parser("export")
        out.add_argument("request_id", type=uuid.UUID)
        out.add_argument("--out", required=True)
        check = proof.add_parser("verify")
        check.add_argument("file")
        check.add_argument("--anchor", action="append", default=[], help="a root CA fingerprint you trust (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        command, action = options["command"], options.get("action")
        handler = getattr(self, f"_{command}_{action}" if action else f"_{command}")
        try:
            handler(options)
        except ApplicationError as error:
            raise CommandError(error.message) from None

    def _configuration_export(self, options: dict[str, Any]) -> None:
        signed = configuration.own_configuration()
        anchor = configuration.own_anchor()
        if options["out"]:
            Path(options["out"]).write_text(signed + "\n")
            self.stdout.write(_("member registry of %(code)s written to %(file)s") % {
                "code": configuration.own_member_code(), "file": options["out"]})
            self.stdout.write(_("anchor (root CA SHA-256, give it out of band): %(anchor)s") % {"anchor": anchor})
        else:
            self.stdout.write(signed)
            sys.stderr.write(_("anchor (root CA SHA-256, give it out of band): %(anchor)s") % {"anchor": anchor} + "\n")

    def _configuration_anchor(self, options: dict[str, Any]) -> None:
        self.stdout.write(configuration.own_anchor())

    def _configuration_trust(self, options: dict[str, Any]) -> None:
        source: str = options["source"]
        url = ""
        if source.startswith(("http://", "https://")):
            url = source
            try:
                answer = urllib3.request("GET", source, timeout=urllib3.Timeout(total=10.0), retries=False)
                text = str(json.loads(answer.data)["configuration"])
            except (urllib3.exceptions.HTTPError, OSError, ValueError, KeyError, TypeError) as error:
                raise CommandError(_("%(url)s could not be fetched: %(error)s") % {"url": source, "error": error}) from None
        else:
            try:
                text = Path(source).read_text()
            except OSError as error:
                raise CommandError(str(error)) from None
        trusted = configuration.configuration_trust(jws=text, anchor=options["anchor"], url=url,
                                                    by="system:egov-exchange")
        codes = ", ".join(trusted.members.values_list("code", flat=True))
        self.stdout.write(_("trusted the member registry of %(codes)s (refreshed from %(url)s)") % {
            "codes": codes, "url": trusted.url})

    def _configuration_refresh(self, options: dict[str, Any]) -> None:
        failed = False
        for anchor, problem in configuration.configuration_refresh():
            if problem:
                failed = True
                self.stderr.write(f"{anchor[:16]}  {problem}")
            else:
                self.stdout.write(_("%(anchor)s refreshed") % {"anchor": anchor[:16]})
        if failed:
            raise CommandError(_("Some member registries could not be refreshed; the cached copies stay in use."))

    def _members(self, options: dict[str, Any]) -> None:
        now = clock.now()
        for member in Member.objects.select_related("configuration").prefetch_related("certificates"):
            age = now - member.configuration.issued_at
            self.stdout.write(f"{member.code:16} {member.name}  {member.base_url}  " + _(
                "registry issued %(hours)d h ago") % {"hours": age.total_seconds() // 3600})
            for certificate in member.certificates.all():
                state = _("withdrawn") if certificate.revoked_at else (
                    _("valid until %(date)s") % {"date": f"{certificate.not_after:%Y-%m-%d}"})
                self.stdout.write(f"    {certificate.key_id}  {state}")

    def _request(self, options: dict[str, Any]) -> None:
        label = options["label"] or _("operator test")
        requester = Requester(organisation_code=configuration.own_member_code(), actor="system:egov-exchange",
                              label=label)
        try:
            release = client.exchange_request(
                provider=options["provider"], product=options["product"], purpose=options["purpose"],
                service=options["service"], requester=requester, subject_number=options["subject"],
                consent_id=options["consent"], legal_basis=options["basis"], timeout=options["timeout"],
            )
        except Refused as refusal:
            raise CommandError(_("refused (%(reason)s): %(message)s; request id %(id)s") % {
                "reason": refusal.reason, "message": refusal.message, "id": refusal.request_id}) from None
        self.stdout.write(json.dumps({
            "request_id": str(release.request_id), "provider": release.provider, "product": release.product,
            "version": release.version, "purpose": release.purpose, "released_at": release.released_at,
            "data": release.data,
        }, ensure_ascii=False, indent=2))

    def _evidence_export(self, options: dict[str, Any]) -> None:
        document = evidence.evidence_export(request_id=options["request_id"])
        Path(options["out"]).write_text(json.dumps(document, indent=2) + "\n")
        self.stdout.write(_("evidence of %(id)s written to %(file)s") % {"id": options["request_id"],
                                                                         "file": options["out"]})

    def _evidence_verify(self, options: dict[str, Any]) -> None:
        try:
            document = Path(options["file"]).read_bytes()
        except OSError as error:
            raise CommandError(str(error)) from None
        report = evidence.evidence_verify(document, anchors=options["anchor"])
        lines = [
            _("evidence verified: both signatures hold and the response answers the request"),
            _("request id: %(value)s") % {"value": report.request_id},
            _("from %(client)s (%(label)s) to %(provider)s") % {
                "client": report.client, "label": report.label, "provider": report.provider},
            _("data product %(product)s for %(purpose)s, service %(service)s") % {
                "product": report.product, "purpose": report.purpose, "service": report.service},
            _("consent %(consent)s, legal basis %(basis)s") % {
                "consent": report.consent or "-", "basis": report.legal_basis or "-"},
            _("subject %(subject)s") % {"subject": report.subject_masked},
            _("requested at %(at)s, answered at %(answered)s: %(status)s %(reason)s") % {
                "at": report.requested_at.isoformat(), "answered": report.answered_at.isoformat(),
                "status": report.status, "reason": report.reason},
        ]
        lines += [_("root CA of a registry (compare with your anchor): %(anchor)s") % {"anchor": a}
                  for a in report.anchors]
        self.stdout.write("\n".join(lines))
