"""The service definition format: what a country pack's ``services/*.yaml`` may say.

The classes are pydantic dataclasses, frozen: pydantic validates a definition (and
exports the JSON Schema published as ``docs/service-definition.schema.json``), and the
validated value is the frozen dataclass that ``catalogue.public`` hands to other apps.
Checks that need the rest of the pack (the task areas, life events, data products,
purposes and organisations it declares) read them from the validation context; checks
across parts of one definition (a transition naming an undeclared state, a rule
reading an undeclared field) are in :func:`cross_check`, which reports each problem
with its location so that the loader can name the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_serializer,
)
from pydantic.dataclasses import dataclass

from egov.catalogue.expressions import ExpressionError, references

__all__ = [
    "ROLES", "Channel", "Keywords", "CompetentOrganisation", "Document", "EligibilityRule", "Effect", "EvidenceItem",
    "Exemption", "Fee", "FieldValidation", "FormField", "LegalBasis", "Choice", "ServiceDefinition", "Sla",
    "Supplement", "Text", "Transition", "Workflow", "WorkflowState", "cross_check", "definition_adapter",
    "json_schema",
]

STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)
# An evidence parameter's value: a form answer (form.<field>) or a constant.
FORM_REFERENCE = re.compile(r"^form\.[a-z][a-z0-9_]*$")
ParamValue = Annotated[str, Field(max_length=200)] | bool | int

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
DottedPath = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$", max_length=200)]
NonEmpty = Annotated[str, Field(min_length=1, max_length=2000)]

# The roles a transition may name: the applicant, the platform itself, and the roles of
# officials (accounts' Role values) that work on cases.
ROLES = ("applicant", "system", "clerk", "reviewer", "head")
# The registries an effect may change (registries' record kinds).
EFFECT_REGISTRIES = ("resident", "household", "family", "vehicle", "land", "building", "business")


def _in_context(value: Any, info: ValidationInfo, key: str, what: str) -> Any:
    known = (info.context or {}).get(key)
    if known is not None and value not in known:
        raise ValueError(f"unknown {what} {value!r}; the pack declares: {', '.join(sorted(known))}")
    return value


@dataclass(frozen=True, kw_only=True, config=STRICT)
class Text:
    """Words shown to people, in Korean and English (both required: the catalogues are complete)."""

    ko: NonEmpty
    en: NonEmpty

    def get(self, language: str) -> str:
        return self.en if language.startswith("en") else self.ko


@dataclass(frozen=True, kw_only=True, config=STRICT)
class Keywords:
    """Everyday words people type for this service (이사 for a move-in report)."""

    ko: tuple[NonEmpty, ...] = ()
    en: tuple[NonEmpty, ...] = ()


@dataclass(frozen=True, kw_only=True, config=STRICT)
class CompetentOrganisation:
    """Who decides: any office of a level (the applicant's), one named organisation, or an agency's field office.

    ``{level: field_office, code: cen-nts}`` reads "the office under the National Tax
    Service that serves the address" (the tax office; the agency itself where none of
    its offices does). The agency stays in ``code`` so that browsing by organisation and
    the gate's access rights name the body the citizen knows and the law empowers.
    """

    level: Literal["dong", "si_gun_gu", "sido", "ministry", "field_office"] | None = None
    code: Annotated[str, Field(pattern=r"^[a-z0-9-]+$")] | None = None

    @field_validator("code")
    @classmethod
    def _known_code(cls, value: str | None, info: ValidationInfo) -> str | None:
        return value if value is None else _in_context(value, info, "organisations", "organisation code")

    def __post_init__(self) -> None:
        if self.level == "field_office":
            if self.code is None:
                raise ValueError("level field_office needs the code of the agency whose field offices decide, "
                                 "such as {level: field_office, code: cen-nts}")
        elif (self.level is None) == (self.code is None):
            raise ValueError("give either level (dong, si_gun_gu, sido, ministry) or code, not both; "
                             "or level field_office with the agency's code")


@dataclass(frozen=True, kw_only=True, config=STRICT)
class LegalBasis:
    act: NonEmpty
    article: NonEmpty


@dataclass(frozen=True, kw_only=True, config=STRICT)
class EligibilityRule:
    """Who may apply: the rule must hold, else the message tells the applicant why not."""

    id: Name
    rule: NonEmpty
    message: Text


@dataclass(frozen=True, kw_only=True, config=STRICT)
class Choice:
    value: Annotated[str, Field(min_length=1, max_length=60)]
    label: Text


@dataclass(frozen=True, kw_only=True, config=STRICT)
class FieldValidation:
    min_length: Annotated[int, Field(ge=0)] | None = None
    max_length: Annotated[int, Field(ge=1)] | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    not_before_today: bool = False
    not_after_today: bool = False
    max_size_kb: Annotated[int, Field(ge=1)] | None = None
    accept: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, config=STRICT)
class FormField:
    """One question of the form. ``prefill`` names the registry fact that fills it, under consent.

    A ``resident_number`` question (another person's registration number: the deceased,
    the spouse, the seller) is kept encrypted with the application and shown masked,
    as rule 6 keeps every registration number; a ``text`` question must not be used
    for one. A ``parcel_number`` question asks a parcel's 19-digit PNU, checked for its
    shape; whether the parcel exists is the land register's answer when the evidence
    is read (the refusal is shown on the field).
    """

    name: Name
    type: Literal["text", "number", "date", "choice", "boolean", "address", "file", "resident_number",
                  "parcel_number"]
    label: Text
    help: Text | None = None
    required: bool = True
    validation: FieldValidation | None = None
    choices: tuple[Choice, ...] = ()
    show_if: str | None = None
    prefill: DottedPath | None = None
    # Why the applicant must upload this: uploads are asked only where no registry holds the data.
    upload_reason: Text | None = None


@dataclass(frozen=True, kw_only=True, config=STRICT)
class EvidenceItem:
    """A data product fetched through the information-sharing gate, never asked of the applicant.

    The record read is the applicant's unless ``subject`` names the form field that holds
    another person's resident registration number (``form.deceased_number``): an heir
    asks for a deceased parent's vehicles. Such a person cannot consent, so the read
    stands on ``consent_exempt_article`` alone, and the definition's eligibility rules
    must justify it (the applicant is an heir); they are checked as soon as the facts
    they read are in, before the next record about that person is read. An optional
    subject field left empty (or not asked) means the applicant: a family certificate
    is the applicant's own or, with a number given, an entitled relative's.

    A product of parcels or buildings (``subject_kind`` in exchange.yaml) always names
    its subject: a ``parcel_number`` field (a parcel, or the parcel a building stands on)
    or, for a building, an ``address`` field (its road address).

    ``params`` gives the product the parameters it declares in exchange.yaml: each value
    is ``form.<field>`` (the answer; left out when the question was not asked) or a
    constant (ADR 0110).
    """

    product: Slug
    purpose: Name
    consent_exempt_article: str = ""
    subject: Annotated[str, Field(
        pattern=r"^form\.[a-z][a-z0-9_]*$", max_length=70,
        description="The form field naming whose record, or which parcel or building, is read "
                    "(form.<field>); the applicant when absent.",
    )] | None = None
    params: dict[Name, ParamValue] = Field(
        default_factory=dict,
        description="The parameters of the data product, by the names exchange.yaml declares for it: form.<field> "
                    "(the answer) or a constant.",
    )

    @model_serializer(mode="wrap")
    def _without_default_subject(self, handler: SerializerFunctionWrapHandler) -> Any:
        # A definition that names no subject (or no parameter) is stored exactly as before the
        # field existed, so the content hash of every version already stored stays the same (E002).
        data = handler(self)
        if isinstance(data, dict) and data.get("subject") is None:
            data.pop("subject", None)
        if isinstance(data, dict) and not data.get("params"):
            data.pop("params", None)
        return data

    @property
    def param_fields(self) -> dict[str, str]:
        """Parameter name -> the form field whose answer it takes (the parameters given from the form)."""
        return {name: value.partition(".")[2] for name, value in self.params.items()
                if isinstance(value, str) and FORM_REFERENCE.fullmatch(value)}

    def param_values(self, form: Mapping[str, Any]) -> dict[str, Any]:
        """The parameters for one application: answers for ``form.<field>`` (left out when not asked), constants as given."""
        values: dict[str, Any] = {}
        fields = self.param_fields
        for name, value in self.params.items():
            if name in fields:
                answer = form.get(fields[name])
                if answer is not None and answer != "":
                    values[name] = answer
            else:
                values[name] = value
        return values

    @property
    def subject_field(self) -> str:
        """The form field naming the person read, or "" when the record read is the applicant's."""
        return self.subject.partition(".")[2] if self.subject else ""

    @field_validator("product")
    @classmethod
    def _known_product(cls, value: str, info: ValidationInfo) -> str:
        return str(_in_context(value, info, "products", "data product"))

    @field_validator("purpose")
    @classmethod
    def _known_purpose(cls, value: str, info: ValidationInfo) -> str:
        return str(_in_context(value, info, "purposes", "purpose"))


@dataclass(frozen=True, kw_only=True, config=STRICT)
class Exemption:
    id: Name
    when: NonEmpty
    description: Text
    amount: Annotated[int, Field(ge=0)] = 0


@dataclass(frozen=True, kw_only=True, config=STRICT)
class Fee:
    """The fee in the pack's currency; online applications often cost less or nothing."""

    amount: Annotated[int, Field(ge=0)] = 0
    online_amount: Annotated[int, Field(ge=0)] | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "KRW"
    per: Literal["application", "copy"] = "application"
    exemptions: tuple[Exemption, ...] = ()


@dataclass(frozen=True, kw_only=True, config=STRICT)
class WorkflowState:
    name: Name
    label: Text
    final: bool = False


@dataclass(frozen=True, kw_only=True, config=STRICT)
class Transition:
    """A move between states: who may make it, the guard that must allow it, the effect it runs.

    Guards and effects are dotted paths the case engine resolves; the catalogue checks
    their form only, since they name code of other apps.
    """

    name: Name
    from_: tuple[Name, ...] = Field(alias="from")
    to: Name
    roles: tuple[Literal["applicant", "system", "clerk", "reviewer", "head"], ...]
    guard: DottedPath | None = None
    effect: DottedPath | None = None
    label: Text | None = None

    @field_validator("from_", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value


@dataclass(frozen=True, kw_only=True, config=STRICT)
class Supplement:
    """How long an applicant has to answer a request for more (보완요구) and what happens if not."""

    deadline_days: Annotated[int, Field(ge=1, le=90)]
    on_expiry: Name


@dataclass(frozen=True, kw_only=True, config=STRICT)
class Workflow:
    """A plain state machine for the case engine (``egov/workflow``).

    ``assign_to`` names the address that picks the competent office (the applicant's by
    default; a move-in report's new address); ``also_notify`` the addresses whose
    offices see the case too (the old dong of a move-in report).
    """

    mode: Literal["automatic", "review"]
    states: tuple[WorkflowState, ...] = Field(min_length=2)
    initial: Name
    transitions: tuple[Transition, ...] = Field(min_length=1)
    assign_to: DottedPath = "applicant.address"
    also_notify: tuple[DottedPath, ...] = ()
    supplement: Supplement | None = None


@dataclass(frozen=True, kw_only=True, config=STRICT)
class Sla:
    value: Annotated[int, Field(ge=1)]
    unit: Literal["hours", "days"]


@dataclass(frozen=True, kw_only=True, config=STRICT)
class Effect:
    """A named change to a registry (``vehicle.transfer_ownership``), run when a transition fires.

    ``when`` is a rule that must hold for the effect to run (a move-in changes the
    vehicles' address only if the applicant asked). ``fields`` maps the effect's parameters to where their values come from
    (``form.<field>``, ``applicant.<attribute>``, ``case.<attribute>``, ``facts.…``).
    """

    name: Annotated[str, Field(pattern=r"^[a-z_]+\.[a-z_]+$")]
    on: tuple[Name, ...] = Field(min_length=1)
    when: str | None = None
    fields: dict[Name, DottedPath] = Field(default_factory=dict)

    @field_validator("on", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("name")
    @classmethod
    def _known_registry(cls, value: str) -> str:
        if value.split(".")[0] not in EFFECT_REGISTRIES:
            raise ValueError(f"an effect changes one of the registries {', '.join(EFFECT_REGISTRIES)}")
        return value


@dataclass(frozen=True, kw_only=True, config=STRICT)
class Document:
    """The document the service issues: a template of the certificates app, by code."""

    template: Slug
    name: Text
    valid_days: Annotated[int, Field(ge=1)] | None = None


@dataclass(frozen=True, kw_only=True, config=STRICT)
class Channel:
    """For one purpose of use, where the applicant may apply: online, at the counter, or both."""

    purpose: Name
    label: Text
    channel: Literal["online", "counter", "both"]


# What an approved member of a bundle hands to the other members (its effects' outputs).
# Each output names the effect that produces it.
MEMBER_OUTPUTS = {"child_number": "family.register_birth"}


@dataclass(frozen=True, kw_only=True, config=STRICT)
class GivenAnswer:
    """A question of a bundle's members that another member answers when it is approved.

    In the birth one-stop service the child allowance asks for the child's
    registration number, which does not exist until the birth report is approved: the
    bundle's form does not ask it, and the number is filled in on the waiting members
    when the report is approved (their officials cannot decide them before).
    """

    field: Name
    member: Slug
    output: Literal["child_number"]
    note: Text


@dataclass(frozen=True, kw_only=True, config=STRICT)
class ServiceDefinition:
    """One service (or a bundle of services applied for with one form)."""

    id: Slug
    version: Annotated[int, Field(ge=1)]
    task_area: Slug
    name: Text
    description: Text
    competent_organisation: CompetentOrganisation
    legal_basis: LegalBasis
    kind: Literal["service", "bundle"] = "service"
    keywords: Keywords = Keywords()
    life_events: tuple[Slug, ...] = ()
    members: tuple[Slug, ...] = ()
    given: tuple[GivenAnswer, ...] = ()
    eligibility: tuple[EligibilityRule, ...] = ()
    form: tuple[FormField, ...] = ()
    evidence: tuple[EvidenceItem, ...] = ()
    fee: Fee = Fee()
    workflow: Workflow | None = None
    sla: Sla | None = None
    effects: tuple[Effect, ...] = ()
    document: Document | None = None
    channels: tuple[Channel, ...] = Field(min_length=1)
    delivery: tuple[Literal["online", "counter", "post"], ...] = Field(default=("counter",), min_length=1)

    @field_validator("task_area")
    @classmethod
    def _known_task_area(cls, value: str, info: ValidationInfo) -> str:
        return str(_in_context(value, info, "task_areas", "task area"))

    @field_validator("life_events")
    @classmethod
    def _known_life_events(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        for event in value:
            _in_context(event, info, "life_events", "life event")
        return value

    def __post_init__(self) -> None:
        if self.kind == "service" and (self.workflow is None or self.sla is None):
            raise ValueError("a service needs a workflow and an sla (only a bundle goes without)")
        if self.kind == "bundle" and len(self.members) < 2:
            raise ValueError("a bundle lists at least two member services")
        if self.kind == "service" and self.members:
            raise ValueError("only a bundle lists members")
        if self.kind == "service" and self.given:
            raise ValueError("only a bundle has answers given by its members")

    @model_serializer(mode="wrap")
    def _without_default_given(self, handler: SerializerFunctionWrapHandler) -> Any:
        # As EvidenceItem.subject: a definition without ``given`` is stored as before it existed (E002).
        data = handler(self)
        if isinstance(data, dict) and not data.get("given"):
            data.pop("given", None)
        return data

    @property
    def fully_online(self) -> bool:
        """Every purpose may be applied for online and the result comes online."""
        return all(c.channel != "counter" for c in self.channels) and "online" in self.delivery

    def field(self, name: str) -> FormField | None:
        return next((f for f in self.form if f.name == name), None)


definition_adapter: TypeAdapter[ServiceDefinition] = TypeAdapter(ServiceDefinition)

Location = tuple[str | int, ...]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a definition, as published in docs/service-definition.schema.json."""
    schema = definition_adapter.json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://egov.example/schemas/service-definition.schema.json",
        "title": "Service definition",
        **schema,
    }


def _rule_problems(expression: str, fields: set[str], where: Location) -> Iterator[tuple[Location, str]]:
    try:
        paths = references(expression)
    except ExpressionError as error:
        yield where, f"{error} in {expression!r}"
        return
    for path in paths:
        if path[0] == "form" and path[1] not in fields:
            yield where, f"reads form.{path[1]}, which the form does not declare"


def _reference_problem(source: str, fields: set[str], where: Location) -> Iterator[tuple[Location, str]]:
    root, _, rest = source.partition(".")
    if root not in ("form", "facts", "applicant", "case"):
        yield where, f"{source!r} must start with form., facts., applicant. or case."
    elif root == "form" and rest.split(".")[0] not in fields:
        yield where, f"{source!r} names a field the form does not declare"


def _workflow_problems(workflow: Workflow) -> Iterator[tuple[Location, str]]:
    states = [state.name for state in workflow.states]
    for index, name in enumerate(states):
        if name in states[:index]:
            yield ("workflow", "states", index, "name"), f"state {name!r} is declared twice"
    if workflow.initial not in states:
        yield ("workflow", "initial"), f"initial state {workflow.initial!r} is not among the states"
    names = [transition.name for transition in workflow.transitions]
    for index, transition in enumerate(workflow.transitions):
        where: Location = ("workflow", "transitions", index)
        if transition.name in names[:index]:
            yield (*where, "name"), f"transition {transition.name!r} is declared twice"
        for state in transition.from_:
            if state not in states:
                yield (*where, "from"), f"state {state!r} is not among the states"
        if transition.to not in states:
            yield (*where, "to"), f"state {transition.to!r} is not among the states"
    if workflow.mode == "automatic" and not any("system" in t.roles for t in workflow.transitions):
        yield ("workflow", "mode"), "an automatic workflow needs a transition the system makes"
    if workflow.supplement is not None and workflow.supplement.on_expiry not in names:
        yield ("workflow", "supplement", "on_expiry"), f"transition {workflow.supplement.on_expiry!r} is not declared"


def cross_check(definition: ServiceDefinition) -> list[tuple[Location, str]]:
    """Problems across parts of one definition, each with the location of the part at fault."""
    problems: list[tuple[Location, str]] = []
    fields = {field.name for field in definition.form}
    for index, field in enumerate(definition.form):
        where: Location = ("form", index)
        if field.name in [f.name for f in definition.form[:index]]:
            problems.append(((*where, "name"), f"field {field.name!r} is declared twice"))
        if field.type == "choice" and not field.choices:
            problems.append(((*where, "type"), "a choice field lists its choices"))
        if field.type != "choice" and field.choices:
            problems.append(((*where, "choices"), "only a choice field lists choices"))
        if field.type == "text" and field.validation is not None and field.validation.pattern and any(
                re.fullmatch(field.validation.pattern, sample) for sample in ("900101-1234567", "9001011234567")):
            problems.append(((*where, "type"), "a registration number is asked with type resident_number, "
                                               "which keeps it encrypted and shows it masked (rule 6)"))
        if field.type == "file" and field.upload_reason is None:
            problems.append(((*where, "type"),
                             "an upload says why no registry holds this (upload_reason): registries are asked first"))
        if field.show_if is not None:
            problems += _rule_problems(field.show_if, fields - {field.name}, (*where, "show_if"))
    for index, rule in enumerate(definition.eligibility):
        problems += _rule_problems(rule.rule, fields, ("eligibility", index, "rule"))
    for index, exemption in enumerate(definition.fee.exemptions):
        problems += _rule_problems(exemption.when, fields, ("fee", "exemptions", index, "when"))
    transitions = set()
    if definition.workflow is not None:
        problems += _workflow_problems(definition.workflow)
        transitions = {transition.name for transition in definition.workflow.transitions}
        for index, source in enumerate(definition.workflow.also_notify):
            problems += _reference_problem(source, fields, ("workflow", "also_notify", index))
        problems += _reference_problem(definition.workflow.assign_to, fields, ("workflow", "assign_to"))
    for index, effect in enumerate(definition.effects):
        for name in effect.on:
            if name not in transitions:
                problems.append((("effects", index, "on"), f"transition {name!r} is not in the workflow"))
        if effect.when is not None:
            problems += _rule_problems(effect.when, fields, ("effects", index, "when"))
        for parameter, source in effect.fields.items():
            problems += _reference_problem(source, fields, ("effects", index, "fields", parameter))
    for index, item in enumerate(definition.evidence):
        for name, field_name in item.param_fields.items():
            if field_name not in fields:
                problems.append((("evidence", index, "params", name),
                                 f"form.{field_name} names a field the form does not declare"))
        if item.subject and not item.consent_exempt_article:
            problems.append((("evidence", index, "subject"),
                             "a record of someone other than the applicant is read without their consent: "
                             "name the consent_exempt_article that allows it"))
    purposes = [channel.purpose for channel in definition.channels]
    for index, purpose in enumerate(purposes):
        if purpose in purposes[:index]:
            problems.append((("channels", index, "purpose"), f"purpose {purpose!r} is declared twice"))
    if definition.kind == "bundle" and (definition.workflow or definition.evidence or definition.effects):
        problems.append((("kind",), "a bundle has no workflow, evidence or effects of its own: its members do"))
    return problems

