"""The base registries' data: each registry's current records plus one event log of every change.

A record holds what is true today; every change to it is a :class:`RegistryEvent`
with its date, cause and the field values before and after, so that nothing is
overwritten and any record can be read "as of" a past date by rolling the later
events back. Records created in bulk (the import of a whole country) point to the one
import event that created them instead of carrying an event each, which keeps the
national load to one row per fact.
"""

from egov.registries.models.businesses import Business, BusinessStatus, TaxType
from egov.registries.models.events import CauseKind, Registry, RegistryEvent
from egov.registries.models.family import Adoption, AdoptionKind, Marriage, MarriageEnd
from egov.registries.models.imports import ImportLedgerEntry
from egov.registries.models.land import (
    Building,
    BuildingOwnership,
    BuildingUse,
    LandCategory,
    LandPrice,
    Parcel,
    ParcelOwnership,
)
from egov.registries.models.proofing import ProofingCode
from egov.registries.models.residents import (
    Household,
    HouseholdRelation,
    IdentifierType,
    Resident,
    ResidentStatus,
    Sex,
)
from egov.registries.models.vehicles import Encumbrance, EncumbranceKind, Fuel, Vehicle, VehicleStatus

__all__ = [
    "Adoption",
    "AdoptionKind",
    "Building",
    "BuildingOwnership",
    "BuildingUse",
    "Business",
    "BusinessStatus",
    "CauseKind",
    "Encumbrance",
    "EncumbranceKind",
    "Fuel",
    "Household",
    "HouseholdRelation",
    "ImportLedgerEntry",
    "IdentifierType",
    "LandCategory",
    "LandPrice",
    "Marriage",
    "MarriageEnd",
    "Parcel",
    "ParcelOwnership",
    "ProofingCode",
    "Registry",
    "RegistryEvent",
    "Resident",
    "ResidentStatus",
    "Sex",
    "TaxType",
    "Vehicle",
    "VehicleStatus",
]
