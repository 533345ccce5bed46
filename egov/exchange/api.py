"""The exchange API between deployments (mounted at /api/v1/exchange/), ADR 0060.

The configuration and requests operations are open to any caller at the HTTP level:
the member registry is public (it proves itself by its signature and the anchor given
out of band), and a request's credential is its own signature by a trusted member's
key, checked by :mod:`egov.exchange.federation.server` before anything else. The
statistics are for operators.
"""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from egov.core.api_auth import OPERATOR_API, PUBLIC_API
from egov.core.audit import request_actor
from egov.exchange import stats
from egov.exchange.federation import configuration, server

router = Router(tags=["exchange"])


class ConfigurationOut(Schema):
    configuration: str = Field(
        description="This deployment's member registry: a compact JWS (ES256) signed with its exchange-member key, "
        "listing its member(s), their certificates and the chain to its root CA."
    )


class ExchangeRequestIn(Schema):
    request: str = Field(
        max_length=65536,
        description="A compact JWS (ES256) signed by a trusted member's key, its key id in the header. Claims: rid "
        "(request id), client, provider, product, purpose, service, consent or basis, subject (a registration "
        "number, or a parcel's PNU or a building's road address), actor, label, iat; and when the request has them, "
        "params (the product's parameters) and applicant (the registration number of the person on whose behalf).",
    )


class ExchangeResponseOut(Schema):
    response: str = Field(
        description="A compact JWS signed by this deployment's member: status released (with the product's fields) "
        "or refused (with the reason code); it names the request id and the SHA-256 of the request (req)."
    )


@router.get("/configuration", response=ConfigurationOut, auth=PUBLIC_API,
            summary="This deployment's signed member registry")
def configuration_get(request: HttpRequest) -> ConfigurationOut:
    return ConfigurationOut(configuration=configuration.own_configuration())


@router.post("/requests", response=ExchangeResponseOut, auth=PUBLIC_API,
             summary="Answer a signed request from a member of another deployment")
def requests_answer(request: HttpRequest, body: ExchangeRequestIn) -> ExchangeResponseOut:
    """The answer is always a signed response: a release, or a refusal whose reason code says why."""
    source_ip = request_actor(request)["source_ip"]
    return ExchangeResponseOut(response=server.handle_request(body.request, source_ip=source_ip))


class LatencyOut(Schema):
    p50: float | None = Field(description="Median duration in milliseconds (None when no request).")
    p99: float | None = Field(description="99th percentile duration in milliseconds.")


class TallyOut(Schema):
    direction: str = Field(description="in_process, outgoing or incoming")
    client: str
    provider: str
    product: str
    total: int
    released: int
    refused: int
    errors: int
    refused_by_reason: dict[str, int]
    latency_ms: LatencyOut


class StatsOut(Schema):
    since: str
    until: str
    window_seconds: int
    exchanges: list[TallyOut]


@router.get("/stats", response=StatsOut, auth=OPERATOR_API,
            summary="Counts, latencies and errors per member and data product, from the exchange log")
def stats_get(request: HttpRequest, hours: int = 24) -> StatsOut:
    """Over the last ``hours`` hours (1 to 720) on the deployment's clock."""
    hours = min(max(hours, 1), 720)
    return StatsOut.model_validate(stats.stats_json(window=timedelta(hours=hours)))
