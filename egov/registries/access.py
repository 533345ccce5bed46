"""The only way the back office loads a resident for an official: jurisdiction first, then the record.

A dong clerk sees the residents whose household is in one of the administrative
dongs their office serves; a si/gun/gu official those of the dongs their office
serves; an operator everyone. A resident outside the jurisdiction is answered exactly
as a resident who does not exist (404), so the back office does not even tell whether
someone is registered elsewhere, and nothing is read or logged before the check.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from egov.accounts import public as accounts
from egov.core.errors import NotFound
from egov.registries import selectors


@dataclass(frozen=True)
class Jurisdiction:
    """Where an official may look: everywhere (an operator) or a set of administrative-dong codes."""

    everywhere: bool
    admin_dong_codes: frozenset[str]

    def covers(self, admin_dong_code: str) -> bool:
        return self.everywhere or (bool(admin_dong_code) and admin_dong_code in self.admin_dong_codes)

    @property
    def search_codes(self) -> frozenset[str] | None:
        """The codes a search is limited to; None to search everywhere."""
        return None if self.everywhere else self.admin_dong_codes


def jurisdiction_of(user: Any) -> Jurisdiction:
    if getattr(user, "is_operator", False):
        return Jurisdiction(everywhere=True, admin_dong_codes=frozenset())
    info = accounts.official_info(user_id=user.pk) if getattr(user, "is_official", False) else None
    return Jurisdiction(everywhere=False, admin_dong_codes=info.jurisdiction if info else frozenset())


def _refuse() -> NotFound:
    return NotFound(_("There is no resident with this number in your jurisdiction."))


def access_resident(*, user: Any, resident_id: uuid.UUID) -> uuid.UUID:
    """The resident's id when the official's jurisdiction covers their household; NotFound otherwise."""
    admin_dong_code = selectors.resident_admin_dong(resident_id=resident_id)
    if admin_dong_code is None or not accounts.official_covers(user=user, admin_dong_code=admin_dong_code):
        raise _refuse()
    return resident_id


def access_resident_by_number(*, user: Any, number: str) -> uuid.UUID:
    """The id of the resident with this registration number, within the official's jurisdiction; NotFound otherwise."""
    found = selectors.resident_id_by_number(number=number)
    if found is None or not accounts.official_covers(user=user, admin_dong_code=found[1]):
        raise _refuse()
    return found[0]
