"""The information mediator's data: the gate's records (:mod:`.gate`) and the federation's (:mod:`.federation`)."""

from egov.exchange.models.federation import Member, MemberCertificate, TrustedConfiguration
from egov.exchange.models.gate import (
    AccessRight,
    Consent,
    ConsentChannel,
    DataProduct,
    ExchangeLog,
    LogDirection,
    LogStatus,
    Purpose,
    RightSource,
)

__all__ = [
    "AccessRight",
    "Consent",
    "ConsentChannel",
    "DataProduct",
    "ExchangeLog",
    "LogDirection",
    "LogStatus",
    "Member",
    "MemberCertificate",
    "Purpose",
    "RightSource",
    "TrustedConfiguration",
]
