"""The data of the five family relation certificates, as of any date, at the three disclosure levels.

The Act on the Registration, etc. of Family Relationships (가족관계의 등록 등에 관한
법률, art. 15) defines five certificates, each issued at the general (일반), detailed
(상세) or specific (특정) level. This module gathers what each one states about a
person on a date D; the certificates app renders it. The rules, as implemented:

- **basic** (기본증명서): the subject; general: birth and death; detailed adds the
  changes of name.
- **family** (가족관계증명서): the subject, parents, spouse and children. General:
  the parents in law on D (adoptive parents in force replace the birth parents, as
  art. 15(2) has "양부모를 부모로 기록"), the spouse on D, and the living children of
  the current marriage or of a marriage ended by the spouse's death, plus the
  subject's adopted children in force. Detailed adds every other child born by D
  (born out of wedlock, of a dissolved marriage, adopted away by an ordinary
  adoption, deceased — with the death mark) and, beside the adoptive parents of an
  ordinary adoption, the birth parents.
- **marriage** (혼인관계증명서): the subject and the spouse on D; general: the current
  marriage; detailed adds every earlier marriage and how it ended (divorce, death,
  annulment).
- **adoption** (입양관계증명서): birth parents, adoptive parents and adopted children
  of ordinary adoptions in force on D; detailed adds dissolved adoptions (the former
  parents and children marked ``former``) and the dissolutions.
- **full_adoption** (친양자입양관계증명서): the adoptive parents and children of full
  adoptions in force on D; a full adoption ends the relation with the birth parents
  (Civil Act art. 908-3), so they appear only in the detailed certificate, with
  dissolved full adoptions.

A full adoption hides the birth parents everywhere else. The specific level is the
detailed data limited to the items the applicant picked (:data:`ITEMS`); the subject
is always shown. Names, numbers and registration bases are those on the register on
D (:func:`egov.registries.history.state_as_of`); a person who had died by D carries
the death mark.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from egov.core import clock
from egov.core.crypto import mask_rrn
from egov.core.errors import NotFound, ValidationError
from egov.registries import history, rules
from egov.registries.models import Adoption, AdoptionKind, Marriage, MarriageEnd, RegistryEvent, Resident
from egov.registries.services.family import current_marriage, spouse_id_in

__all__ = [
    "ITEMS",
    "KINDS",
    "LEVELS",
    "CertificateEvent",
    "CertificatePerson",
    "FamilyCertificate",
    "family_certificate_data",
    "family_certificate_entitled",
]

KINDS = {
    "basic": gettext_lazy("Basic certificate"),
    "family": gettext_lazy("Family relation certificate"),
    "marriage": gettext_lazy("Marriage relation certificate"),
    "adoption": gettext_lazy("Adoption relation certificate"),
    "full_adoption": gettext_lazy("Full adoption relation certificate"),
}
LEVELS = {
    "general": gettext_lazy("General"),
    "detailed": gettext_lazy("Detailed"),
    "specific": gettext_lazy("Specific"),
}
# What an applicant may pick for a specific certificate, by kind.
ITEMS: dict[str, tuple[str, ...]] = {
    "basic": ("birth", "death", "name_change"),
    "family": ("parents", "spouse", "children", "deceased_children"),
    "marriage": ("spouse", "marriage", "divorce", "marriage_ended"),
    "adoption": ("birth_parents", "adoptive_parents", "adopted_children", "adoption", "adoption_dissolved"),
    "full_adoption": ("birth_parents", "adoptive_parents", "adopted_children", "adoption", "adoption_dissolved"),
}
ITEM_LABELS = {
    "birth": gettext_lazy("Birth"),
    "death": gettext_lazy("Death"),
    "name_change": gettext_lazy("Change of name"),
    "parents": gettext_lazy("Parents"),
    "spouse": gettext_lazy("Spouse"),
    "children": gettext_lazy("Children"),
    "deceased_children": gettext_lazy("Deceased children"),
    "marriage": gettext_lazy("Marriage"),
    "divorce": gettext_lazy("Divorce"),
    "marriage_ended": gettext_lazy("Marriage ended by death"),
    "birth_parents": gettext_lazy("Birth parents"),
    "adoptive_parents": gettext_lazy("Adoptive parents"),
    "adopted_children": gettext_lazy("Adopted children"),
    "adoption": gettext_lazy("Adoption"),
    "adoption_dissolved": gettext_lazy("Dissolution of adoption"),
}
RELATION_LABELS = {
    "subject": gettext_lazy("Subject"),
    "father": gettext_lazy("Father"),
    "mother": gettext_lazy("Mother"),
    "birth_father": gettext_lazy("Birth father"),
    "birth_mother": gettext_lazy("Birth mother"),
    "adoptive_father": gettext_lazy("Adoptive father"),
    "adoptive_mother": gettext_lazy("Adoptive mother"),
    "spouse": gettext_lazy("Spouse"),
    "child": gettext_lazy("Child"),
    "adopted_child": gettext_lazy("Adopted child"),
}
EVENT_LABELS = {
    "birth": gettext_lazy("Birth"),
    "death": gettext_lazy("Death"),
    "name_change": gettext_lazy("Change of name"),
    "marriage": gettext_lazy("Marriage"),
    "divorce": gettext_lazy("Divorce"),
    "marriage_ended": gettext_lazy("Marriage ended by death"),
    "annulment": gettext_lazy("Annulment of marriage"),
    "adoption": gettext_lazy("Adoption"),
    "adoption_dissolved": gettext_lazy("Dissolution of adoption"),
    "full_adoption": gettext_lazy("Full adoption"),
    "full_adoption_dissolved": gettext_lazy("Dissolution of full adoption"),
}
# Civil Act art. 4: adulthood at 19; a fully adopted person may ask for their own
# full adoption certificate from then on (Family Registration Act art. 14(2)).
FULL_ADOPTION_SELF_AGE = 19
_GENERATIONS = 4


@dataclass(frozen=True)
class CertificatePerson:
    """One person on a certificate, as the register stood on the certificate's date."""

    relation: str
    relation_label: str
    item: str  # the item of a specific certificate that shows this row ("" for the subject)
    resident_id: uuid.UUID
    name_ko: str
    name_en: str
    birth_date: date
    sex: str
    identifier: str  # rear six digits masked unless the applicant asked for them
    registration_base: str
    deceased: bool
    died_on: date | None
    former: bool = False  # a relation that had ended by the date (a dissolved adoption)


@dataclass(frozen=True)
class CertificateEvent:
    """One fact of the certificate's record section (신고사항), on or before its date."""

    kind: str
    label: str
    item: str
    on: date
    counterpart_id: uuid.UUID | None = None
    counterpart_name: str = ""
    detail: str = ""


@dataclass(frozen=True)
class FamilyCertificate:
    kind: str
    kind_label: str
    level: str
    level_label: str
    as_of: date
    subject: CertificatePerson
    registration_base: str
    people: tuple[CertificatePerson, ...]  # the subject first
    events: tuple[CertificateEvent, ...]  # oldest first
    items: tuple[str, ...]  # the items picked (specific level only)
    rrn_rear_shown: bool

    def people_of(self, *relations: str) -> tuple[CertificatePerson, ...]:
        return tuple(p for p in self.people if p.relation in relations)

    def events_of(self, *kinds: str) -> tuple[CertificateEvent, ...]:
        return tuple(e for e in self.events if e.kind in kinds)


class _Register:
    """The register as of one date: each resident's state on D, read once."""

    def __init__(self, on: date, show_rear: bool) -> None:
        self.on = on
        self.show_rear = show_rear
        self._states: dict[Any, dict[str, Any]] = {}
        self._residents: dict[Any, Resident] = {}

    def resident(self, pk: Any) -> Resident | None:
        if pk is None:
            return None
        key = str(pk)
        if key not in self._residents:
            found = Resident.objects.filter(pk=pk).first()
            if found is None:
                return None
            self._residents[key] = found
        return self._residents[key]

    def state(self, resident: Resident) -> dict[str, Any]:
        key = str(resident.pk)
        if key not in self._states:
            self._states[key] = history.state_as_of(resident, self.on)
        return self._states[key]

    def name(self, pk: Any) -> str:
        resident = self.resident(pk)
        return str(self.state(resident)["name_ko"]) if resident else ""

    def person(self, resident: Resident, relation: str, item: str, *, former: bool = False) -> CertificatePerson:
        state = self.state(resident)
        number = str(state["identifier"] or "")
        died_on = state["died_on"] if state["died_on"] is not None and state["died_on"] <= self.on else None
        shown = f"{number[:6]}-{number[6:]}" if self.show_rear and len(number) == 13 else mask_rrn(number)
        return CertificatePerson(
            relation=relation, relation_label=str(RELATION_LABELS[relation]), item=item, resident_id=resident.pk,
            name_ko=state["name_ko"], name_en=state["name_en"], birth_date=state["birth_date"], sex=state["sex"],
            identifier=shown, registration_base=state["registration_base"], deceased=died_on is not None,
            died_on=died_on, former=former,
        )

    def parent_relation(self, resident: Resident, prefix: str = "") -> str:
        return f"{prefix}father" if self.state(resident)["sex"] == "M" else f"{prefix}mother"


def _in_force(on: date) -> Q:
    return Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=on)


def _adoptions_of_child(child_id: Any, on: date) -> list[Adoption]:
    return list(Adoption.objects.filter(child_id=child_id, adopted_on__lte=on).order_by("adopted_on", "id"))


def _kept_birth_parents(register: _Register, child: Resident, adoptions: list[Adoption]) -> list[Resident]:
    """The birth parents a full adoption in force leaves in place: only an adopter's spouse (art. 908-3)."""
    on = register.on
    state = register.state(child)
    birth = [r for r in (register.resident(state["father_id"]), register.resident(state["mother_id"])) if r]
    full = [a for a in adoptions if a.kind == AdoptionKind.FULL and (a.dissolved_on is None or a.dissolved_on > on)]
    if not full:
        return birth
    spouses = set()
    for adoption in full:
        marriage = current_marriage(adoption.parent_id, adoption.adopted_on)
        if marriage is not None:
            spouses.add(str(spouse_id_in(marriage, adoption.parent_id)))
    return [p for p in birth if str(p.pk) in spouses]


def _legal_parent_ids(register: _Register, child: Resident) -> set[str]:
    """The parents in law on D: adoptive parents in force and the birth parents a full adoption leaves."""
    adoptions = _adoptions_of_child(child.pk, register.on)
    ids = {str(a.parent_id) for a in adoptions if a.dissolved_on is None or a.dissolved_on > register.on}
    ids.update(str(p.pk) for p in _kept_birth_parents(register, child, adoptions))
    return ids


def _children(register: _Register, subject: Resident) -> list[tuple[Resident, bool]]:
    """The subject's children in law on D: (child, adopted by the subject); birth children fully adopted away are not."""
    on = register.on
    found: dict[str, tuple[Resident, bool]] = {}
    for child in Resident.objects.filter(Q(father=subject) | Q(mother=subject), birth_date__lte=on).order_by("birth_date"):
        register._residents.setdefault(str(child.pk), child)
        state = register.state(child)
        if str(subject.pk) not in {str(state["father_id"]), str(state["mother_id"])}:
            continue  # the parent on the register then was someone else
        if str(subject.pk) in {str(p.pk) for p in _kept_birth_parents(register, child, _adoptions_of_child(child.pk, on))}:
            found[str(child.pk)] = (child, False)
    for adoption in Adoption.objects.filter(_in_force(on), parent=subject, adopted_on__lte=on).order_by("adopted_on"):
        adopted = register.resident(adoption.child_id)
        if adopted is not None:
            found[str(adopted.pk)] = (adopted, True)
    return sorted(found.values(), key=lambda pair: pair[0].birth_date)


# ---------------------------------------------------------------- each kind


def _basic(register: _Register, subject: Resident, detailed: bool) -> tuple[list[CertificatePerson], list[CertificateEvent]]:
    state = register.state(subject)
    events = [CertificateEvent(kind="birth", label=str(EVENT_LABELS["birth"]), item="birth", on=state["birth_date"])]
    if detailed:
        for event in RegistryEvent.objects.filter(entity_id=subject.pk, kind="family.name_change",
                                                  effective_on__lte=register.on).order_by("effective_on", "recorded_at"):
            old, new = event.before.get("name_ko"), event.after.get("name_ko")
            if old and new:
                events.append(CertificateEvent(kind="name_change", label=str(EVENT_LABELS["name_change"]),
                                               item="name_change", on=event.effective_on, detail=f"{old} → {new}"))
    if state["died_on"] is not None and state["died_on"] <= register.on:
        events.append(CertificateEvent(kind="death", label=str(EVENT_LABELS["death"]), item="death", on=state["died_on"]))
    return [], events


def _parents(register: _Register, subject: Resident, detailed: bool, *, item: str = "parents") -> list[CertificatePerson]:
    on = register.on
    adoptions = _adoptions_of_child(subject.pk, on)
    in_force = [a for a in adoptions if a.dissolved_on is None or a.dissolved_on > on]
    kept = _kept_birth_parents(register, subject, adoptions)
    rows: list[CertificatePerson] = []
    if not in_force:
        return [register.person(p, register.parent_relation(p), item) for p in kept]
    # Father first, then mother, as the certificates print them.
    adoptive = sorted((p for p in (register.resident(a.parent_id) for a in in_force) if p),
                      key=lambda p: register.state(p)["sex"] != "M")
    full = any(a.kind == AdoptionKind.FULL for a in in_force)
    adoptive_ids = {str(a.parent_id) for a in in_force}
    if detailed and not full:
        rows += [register.person(p, register.parent_relation(p, "birth_"), item) for p in kept]
        rows += [register.person(p, register.parent_relation(p, "adoptive_"), item) for p in adoptive]
        return rows
    # General (or a full adoption): the parents in law, as father and mother.
    rows += [register.person(p, register.parent_relation(p), item) for p in adoptive]
    rows += [register.person(p, register.parent_relation(p), item) for p in kept
             if full and str(p.pk) not in adoptive_ids]
    return rows


def _spouse(register: _Register, subject: Resident) -> list[CertificatePerson]:
    marriage = current_marriage(subject.pk, register.on)
    if marriage is None:
        return []
    spouse = register.resident(spouse_id_in(marriage, subject.pk))
    return [register.person(spouse, "spouse", "spouse")] if spouse else []


def _family(register: _Register, subject: Resident, detailed: bool) -> tuple[list[CertificatePerson], list[CertificateEvent]]:
    on = register.on
    people = _parents(register, subject, detailed) + _spouse(register, subject)
    current = current_marriage(subject.pk, on)
    partners = {str(spouse_id_in(current, subject.pk))} if current else set()
    # A marriage ended by the spouse's death still makes its children "of the marriage".
    for widowed in Marriage.objects.filter(Q(spouse_a=subject) | Q(spouse_b=subject), end_reason=MarriageEnd.DEATH,
                                           ended_on__lte=on):
        partners.add(str(spouse_id_in(widowed, subject.pk)))
    for child, adopted in _children(register, subject):
        person = register.person(child, "child", "children")
        if person.deceased:
            if detailed:
                people.append(register.person(child, "child", "deceased_children"))
            continue
        other_parents = _legal_parent_ids(register, child) - {str(subject.pk)}
        of_the_marriage = adopted or bool(other_parents & partners)
        if detailed or of_the_marriage:
            people.append(person)
    return people, []


def _marriage(register: _Register, subject: Resident, detailed: bool) -> tuple[list[CertificatePerson], list[CertificateEvent]]:
    on = register.on
    people = _spouse(register, subject)
    current = current_marriage(subject.pk, on)
    events: list[CertificateEvent] = []
    marriages = Marriage.objects.filter(Q(spouse_a=subject) | Q(spouse_b=subject), married_on__lte=on).order_by("married_on")
    for marriage in marriages:
        if not detailed and (current is None or marriage.pk != current.pk):
            continue
        other = spouse_id_in(marriage, subject.pk)
        name = register.name(other)
        events.append(CertificateEvent(kind="marriage", label=str(EVENT_LABELS["marriage"]), item="marriage",
                                       on=marriage.married_on, counterpart_id=other, counterpart_name=name))
        if marriage.ended_on is not None and marriage.ended_on <= on:
            ends: dict[str, str] = {MarriageEnd.DIVORCE: "divorce", MarriageEnd.DEATH: "marriage_ended"}
            kind = ends.get(marriage.end_reason, "annulment")
            item = "divorce" if kind in ("divorce", "annulment") else "marriage_ended"
            events.append(CertificateEvent(kind=kind, label=str(EVENT_LABELS[kind]), item=item, on=marriage.ended_on,
                                           counterpart_id=other, counterpart_name=name))
    events.sort(key=lambda e: e.on)
    return people, events


def _adoption(register: _Register, subject: Resident, detailed: bool, full: bool) -> tuple[list[CertificatePerson], list[CertificateEvent]]:
    on = register.on
    kind = AdoptionKind.FULL if full else AdoptionKind.ADOPTION
    people: list[CertificatePerson] = []
    events: list[CertificateEvent] = []
    as_child = sorted(
        Adoption.objects.filter(child=subject, kind=kind, adopted_on__lte=on).select_related("parent"),
        key=lambda a: (a.adopted_on, a.parent.sex != "M"),
    )
    as_parent = list(Adoption.objects.filter(parent=subject, kind=kind, adopted_on__lte=on).order_by("adopted_on", "id"))
    # The birth parents: on the adoption certificate those a full adoption in force
    # leaves in place; on the full adoption certificate, all of them but only in detail.
    state = register.state(subject)
    birth: list[Resident | None]
    if full:
        birth = [register.resident(state["father_id"]), register.resident(state["mother_id"])] if detailed else []
    else:
        birth = list(_kept_birth_parents(register, subject, _adoptions_of_child(subject.pk, on)))
    for birth_parent in birth:
        if birth_parent is not None:
            people.append(register.person(birth_parent, register.parent_relation(birth_parent, "birth_"),
                                          "birth_parents"))
    event_kind = "full_adoption" if full else "adoption"
    for adoption, counterpart_id, relation in (
        [(a, a.parent_id, "parent") for a in as_child] + [(a, a.child_id, "child") for a in as_parent]
    ):
        ended = adoption.dissolved_on is not None and adoption.dissolved_on <= on
        if ended and not detailed:
            continue
        other = register.resident(counterpart_id)
        if other is None:
            continue
        if relation == "parent":
            people.append(register.person(other, register.parent_relation(other, "adoptive_"), "adoptive_parents",
                                          former=ended))
        else:
            people.append(register.person(other, "adopted_child", "adopted_children", former=ended))
        name = register.name(counterpart_id)
        events.append(CertificateEvent(kind=event_kind, label=str(EVENT_LABELS[event_kind]), item="adoption",
                                       on=adoption.adopted_on, counterpart_id=counterpart_id, counterpart_name=name))
        if ended:
            assert adoption.dissolved_on is not None
            events.append(CertificateEvent(
                kind=f"{event_kind}_dissolved", label=str(EVENT_LABELS[f"{event_kind}_dissolved"]),
                item="adoption_dissolved", on=adoption.dissolved_on, counterpart_id=counterpart_id,
                counterpart_name=name,
            ))
    events.sort(key=lambda e: e.on)
    return people, events


# ---------------------------------------------------------------- entry points


def family_certificate_data(
    *,
    subject_id: uuid.UUID,
    kind: str,
    level: str,
    as_of: date | None = None,
    show_rrn_rear: bool = False,
    items: list[str] | None = None,
) -> FamilyCertificate:
    """What the certificate of ``kind`` at ``level`` states about the subject on ``as_of`` (default: today).

    The rules of each kind and level are in the module docstring. Raises
    :class:`~egov.core.errors.NotFound` for an unknown subject and
    :class:`~egov.core.errors.ValidationError` for a kind, level, date or items that
    do not fit.
    """
    subject = Resident.objects.filter(pk=subject_id).first() if _is_uuid(subject_id) else None
    if subject is None:
        raise NotFound(_("There is no such person on the family register."))
    on = as_of or clock.today()
    errors: dict[str, list[str]] = {}
    if kind not in KINDS:
        errors["kind"] = [_("Choose one of the five certificates.")]
    if level not in LEVELS:
        errors["level"] = [_("Choose the general, detailed or specific certificate.")]
    if on > clock.today():
        errors["as_of"] = [_("A certificate cannot state the register of a future date.")]
    elif on < subject.birth_date:
        errors["as_of"] = [_("The person was not yet born on that date.")]
    picked: tuple[str, ...] = ()
    if level == "specific" and kind in KINDS:
        picked = tuple(dict.fromkeys(items or []))
        if not picked:
            errors["items"] = [_("Pick at least one item for a specific certificate.")]
        elif any(item not in ITEMS[kind] for item in picked):
            errors["items"] = [_("Pick only items this certificate has: %(items)s.")
                               % {"items": ", ".join(str(ITEM_LABELS[i]) for i in ITEMS[kind])}]
    elif items:
        errors["items"] = [_("Items are picked only for a specific certificate.")]
    if errors:
        details = " ".join(m for messages in errors.values() for m in messages)
        raise ValidationError(_("The certificate of %(name)s: %(details)s") % {"name": subject.name_ko, "details": details},
                              field_errors=errors)

    register = _Register(on, show_rrn_rear)
    detailed = level != "general"
    if kind == "basic":
        people, events = _basic(register, subject, detailed)
    elif kind == "family":
        people, events = _family(register, subject, detailed)
    elif kind == "marriage":
        people, events = _marriage(register, subject, detailed)
    else:
        people, events = _adoption(register, subject, detailed, full=kind == "full_adoption")
    if level == "specific":
        people = [p for p in people if p.item in picked]
        events = [e for e in events if e.item in picked]
    subject_row = register.person(subject, "subject", "")
    return FamilyCertificate(
        kind=kind, kind_label=str(KINDS[kind]), level=level, level_label=str(LEVELS[level]), as_of=on,
        subject=subject_row, registration_base=subject_row.registration_base, people=(subject_row, *people),
        events=tuple(events), items=picked, rrn_rear_shown=show_rrn_rear,
    )


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except (ValueError, TypeError):
        return False
    return True


def family_certificate_entitled(*, applicant_resident_id: uuid.UUID, subject_id: uuid.UUID, kind: str, on: date) -> bool:
    """Whether the applicant may have the subject's certificate of ``kind`` issued on ``on``.

    The rule (Family Registration Act art. 14, the common cases): the subject, the
    subject's spouse on that date, and the subject's lineal ascendants and
    descendants in law on that date (through birth parents and adoptions in force,
    up to four generations; a full adoption in force cuts the birth parents' line,
    Civil Act art. 908-3). The full adoption certificate is narrower (art. 14(2)):
    only the subject once 19 or older, or an adoptive parent of a full adoption of
    the subject. Siblings, representatives and those with a court's leave are not
    covered here; they apply at the counter.
    """
    if kind not in KINDS:
        raise ValidationError(_("Choose one of the five certificates."), field_errors={"kind": [_("Choose one of the five certificates.")]})
    if not (_is_uuid(applicant_resident_id) and _is_uuid(subject_id)):
        return False
    subject = Resident.objects.filter(pk=subject_id).first()
    applicant = Resident.objects.filter(pk=applicant_resident_id).first()
    if subject is None or applicant is None:
        return False
    if kind == "full_adoption":
        if applicant.pk == subject.pk:
            return rules.age_on(subject.birth_date, on) >= FULL_ADOPTION_SELF_AGE
        return Adoption.objects.filter(_in_force(on), parent=applicant, child=subject, kind=AdoptionKind.FULL,
                                       adopted_on__lte=on).exists()
    if applicant.pk == subject.pk:
        return True
    marriage = current_marriage(subject.pk, on)
    if marriage is not None and str(spouse_id_in(marriage, subject.pk)) == str(applicant.pk):
        return True
    register = _Register(on, False)
    return _lineal(register, subject, str(applicant.pk)) or _lineal(register, applicant, str(subject.pk))


def _lineal(register: _Register, descendant: Resident, ancestor_id: str) -> bool:
    """Whether ``ancestor_id`` is a parent, grandparent, … (up to four generations) of ``descendant`` on D."""
    level = [descendant]
    seen = {str(descendant.pk)}
    for _generation in range(_GENERATIONS):
        parents: list[Resident] = []
        for person in level:
            for parent_id in _legal_parent_ids(register, person):
                if parent_id == ancestor_id:
                    return True
                if parent_id not in seen:
                    seen.add(parent_id)
                    parent = register.resident(parent_id)
                    if parent is not None:
                        parents.append(parent)
        if not parents:
            return False
        level = parents
    return False
