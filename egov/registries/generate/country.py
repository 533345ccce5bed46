"""The whole synthetic country: people and households (people.py) with their homes, land, cars and businesses.

Each household is written as soon as it is drawn, followed by what its members own:
the home they live in (a flat in an apartment complex, a unit of a multi-family house
or a house of their own), farmland and forest in their si/gun/gu, cars, and for some
a business with its premises and vehicles. Apartment complexes and multi-family
houses fill up over several households of the same place, which is the one piece of
state the generator keeps per place (bounded by the number of places).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from egov.registries.generate.output import CsvOutput
from egov.registries.generate.people import RRN_SINCE, HouseholdDraft, PeopleGenerator, Person, add_years
from egov.registries.generate.places import Country, LegalPlace, Place

# (make, model, fuels, WMI, model code, commercial use)
VEHICLE_MODELS: tuple[tuple[str, str, tuple[str, ...], str, str, bool, float], ...] = (
    ("현대", "아반떼", ("gasoline", "hybrid", "lpg"), "KMH", "D4", False, 9.0),
    ("현대", "쏘나타", ("gasoline", "hybrid", "lpg"), "KMH", "E5", False, 7.0),
    ("현대", "그랜저", ("gasoline", "hybrid", "lpg"), "KMH", "F6", False, 9.0),
    ("현대", "투싼", ("gasoline", "diesel", "hybrid"), "KMH", "J3", False, 5.0),
    ("현대", "싼타페", ("diesel", "gasoline", "hybrid"), "KMH", "S8", False, 5.0),
    ("현대", "팰리세이드", ("diesel", "gasoline"), "KMH", "R7", False, 3.0),
    ("현대", "캐스퍼", ("gasoline", "electric"), "KMH", "A1", False, 2.0),
    ("현대", "아이오닉 5", ("electric",), "KMH", "K5", False, 2.0),
    ("현대", "포터 II", ("diesel", "electric", "lpg"), "KMF", "W2", True, 5.0),
    ("현대", "스타리아", ("diesel", "lpg"), "KMJ", "U4", True, 2.0),
    ("기아", "모닝", ("gasoline", "lpg"), "KNA", "B2", False, 4.0),
    ("기아", "레이", ("gasoline", "electric"), "KNA", "B8", False, 3.0),
    ("기아", "K5", ("gasoline", "hybrid", "lpg"), "KNA", "G3", False, 4.0),
    ("기아", "K8", ("gasoline", "hybrid", "lpg"), "KNA", "G8", False, 3.0),
    ("기아", "스포티지", ("gasoline", "diesel", "hybrid"), "KNA", "P5", False, 4.0),
    ("기아", "쏘렌토", ("diesel", "hybrid", "gasoline"), "KNA", "M4", False, 5.0),
    ("기아", "카니발", ("diesel", "gasoline", "hybrid"), "KNA", "N3", False, 4.0),
    ("기아", "EV6", ("electric",), "KNA", "C1", False, 1.0),
    ("기아", "봉고 III", ("diesel", "lpg", "electric"), "KNC", "S2", True, 3.0),
    ("제네시스", "G80", ("gasoline", "electric"), "KMT", "G4", False, 2.5),
    ("제네시스", "GV80", ("gasoline", "diesel"), "KMU", "J1", False, 1.5),
    ("KG모빌리티", "토레스", ("gasoline", "electric"), "KPT", "T1", False, 1.0),
    ("르노코리아", "QM6", ("lpg", "gasoline"), "KNM", "H2", False, 1.5),
    ("쉐보레", "트레일블레이저", ("gasoline",), "KL1", "J7", False, 1.0),
    ("BMW", "520i", ("gasoline",), "WBA", "JA", False, 2.0),
    ("메르세데스-벤츠", "E 300", ("gasoline",), "WDD", "EB", False, 2.0),
    ("테슬라", "Model Y", ("electric",), "7SA", "YG", False, 1.0),
    ("토요타", "캠리", ("hybrid",), "4T1", "B1", False, 0.5),
    ("볼보", "XC60", ("gasoline", "hybrid"), "YV1", "UZ", False, 0.5),
)
PRIVATE_MODELS = tuple(m for m in VEHICLE_MODELS if not m[5])
PRIVATE_MODEL_WEIGHTS = tuple(m[6] for m in PRIVATE_MODELS)
COMMERCIAL_MODELS = tuple(m for m in VEHICLE_MODELS if m[5])
LIEN_HOLDERS = ("현대캐피탈", "KB캐피탈", "하나캐피탈", "신한카드", "우리금융캐피탈", "BNK캐피탈")

# Land categories of parcels that are not house plots, with weights (farmland, forest, …).
COUNTRY_CATEGORIES = (("전", 28), ("답", 24), ("임", 20), ("대", 8), ("도", 8), ("과", 3), ("잡", 3),
                      ("구", 2), ("묘", 2), ("장", 1), ("창", 1))
BUSINESS_KINDS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("음식점업", "한식", ("식당", "밥집", "국수", "분식"), "neighbourhood"),
    ("소매업", "편의점", ("마트", "상회", "슈퍼"), "neighbourhood"),
    ("부동산업", "부동산 중개", ("공인중개사사무소", "부동산"), "office"),
    ("서비스업", "미용", ("헤어", "미용실"), "neighbourhood"),
    ("도매업", "식자재", ("유통", "상사"), "warehouse"),
    ("제조업", "금속가공", ("정밀", "산업", "공업"), "factory"),
    ("건설업", "실내건축", ("건설", "인테리어"), "office"),
    ("정보통신업", "소프트웨어 개발", ("소프트", "테크", "시스템즈"), "office"),
    ("운수업", "화물운송", ("물류", "운수", "익스프레스"), "warehouse"),
    ("교육서비스업", "학원", ("학원", "교습소"), "education"),
)


@dataclass
class Building:
    id: str
    units: int
    floors: int


@dataclass
class Complex:
    """An apartment complex (or a multi-family house) of one place, filled household by household."""

    legal: LegalPlace
    road: str
    number: str
    parcel_id: str
    buildings: list[Building] = field(default_factory=list)
    taken: int = 0
    apartment: bool = True

    @property
    def units(self) -> int:
        return sum(b.units for b in self.buildings)


@dataclass
class Address:
    place: Place
    legal: LegalPlace
    road: str
    number: str
    detail: str
    postcode: str
    home: Complex | None = None
    building: Building | None = None

    @property
    def line(self) -> str:
        parts = [self.place.sido, self.place.sigungu, self.road, self.number]
        text = " ".join(p for p in parts if p)
        return f"{text}, {self.detail}" if self.detail else text


def road_stem(name: str) -> str:
    """청운동 → 청운, 종로1가 → 종로, 안계면 양곡리 → 양곡 (the stem road names are built from)."""
    last = name.split()[-1]
    stem = re.sub(r"[0-9·]+", "", last)
    stem = re.sub(r"(동|가|리|읍|면|로)$", "", stem)
    return stem or last


class CountryGenerator(PeopleGenerator):
    def __init__(self, *, seed: int, out: CsvOutput, country: Country, as_of: date, residents: int) -> None:
        super().__init__(seed=seed, out=out, country=country, as_of=as_of, residents=residents)
        self.total = residents
        self.complexes: dict[int, Complex] = {}
        self.villas: dict[int, Complex] = {}

    def run(self) -> None:
        while self.remaining > 0:
            draft = self.household_draft()
            if draft.members:
                self.write(draft)

    # --- people --------------------------------------------------------------------------

    def write(self, draft: HouseholdDraft) -> None:
        rng = self.rng
        head = draft.head
        address = self.home_address(draft)
        household_id = self.new_id()
        settled = max(add_years(head.birth, 19), add_years(self.as_of, -30))
        marriage_of_head = next((m.married_on for m in draft.marriages if head in (m.a, m.b) and m.ended_on is None),
                                None)
        if marriage_of_head is not None:
            settled = max(settled, marriage_of_head)
        established_on = self.day_between(min(settled, self.as_of), self.as_of)
        if head.foreign:
            established_on = max(established_on, self.issued_on(head))
        for person in draft.extras:
            self.write_resident(person, household_id="")
        self.out.row(
            "households", id=household_id, head_id=head.id, sido=address.place.sido, sigungu=address.place.sigungu,
            road=address.road, building_number=address.number, detail=address.detail, postcode=address.postcode,
            legal_dong_code=address.legal.code, admin_dong_code=address.place.admin_dong_code,
            established_on=established_on,
        )
        for person in draft.members:
            person.moved_in_on = max(established_on, person.birth)
            self.write_resident(person, household_id=household_id)
        for marriage in draft.marriages:
            self.out.row("marriages", id=self.new_id(), spouse_a_id=marriage.a.id, spouse_b_id=marriage.b.id,
                         married_on=marriage.married_on, ended_on=marriage.ended_on, end_reason=marriage.end_reason)
        for parent, child, kind, adopted_on in draft.adoptions:
            self.out.row("adoptions", id=self.new_id(), parent_id=parent.id, child_id=child.id, kind=kind,
                         adopted_on=adopted_on, dissolved_on=None)
        adults = [p for p in draft.members if p.birth <= add_years(self.as_of, -19)]
        self.home_ownership(draft, address, adults)
        self.countryside_land(draft, adults)
        for person in adults:
            self.cars(person, address)
            if 25 <= self.as_of.year - person.birth.year <= 74 and rng.random() < 0.22:
                self.business(person, address)

    def issued_on(self, person: Person) -> date:
        if person.foreign:
            arrival = max(add_years(person.birth, 18), date(2005, 1, 1))
            return self.day_between(arrival, min(add_years(arrival, 8), self.as_of)) if arrival < self.as_of else self.as_of
        registered = person.birth + timedelta(days=(person.birth.toordinal() * 7) % 31)
        return min(max(registered, RRN_SINCE), self.as_of)

    def write_resident(self, person: Person, *, household_id: str) -> None:
        rng = self.rng
        issued_on = self.issued_on(person)
        if person.died_on is not None and person.died_on < issued_on:
            person.died_on = issued_on
        number = self.numbers.person(birth=person.birth, sex=person.sex, foreign=person.foreign, issued_on=issued_on)
        age = self.as_of.year - person.birth.year
        phone = email = ""
        if person.living and age >= 14 and rng.random() < 0.9:
            phone = f"010-0{rng.randint(100, 999)}-{rng.randint(0, 9999):04d}"
        if person.living and 18 <= age <= 70 and rng.random() < 0.35 and person.name_en:
            local = re.sub(r"[^a-z]", "", person.name_en.split(" ", 1)[-1].lower()) or "user"
            surname = re.sub(r"[^a-z]", "", person.name_en.split(" ", 1)[0].lower())
            email = f"{local}.{surname}{rng.randint(1, 999)}@example.{rng.choice(('com', 'net', 'org'))}"
        self.out.row(
            "residents", id=person.id, identifier_type="frn" if person.foreign else "rrn", identifier=number,
            identifier_issued_on=issued_on, name_ko=person.name_ko, name_en=person.name_en, birth_date=person.birth,
            sex=person.sex, nationality=person.nationality, status="living" if person.living else "deceased",
            died_on=person.died_on, household_id=household_id, household_relation=person.relation if household_id else "",
            moved_in_on=person.moved_in_on if household_id else None, registration_base=person.registration_base,
            father_id=person.father_id, mother_id=person.mother_id, phone=phone, email=email,
            registered_on=issued_on,
        )

    # --- homes ---------------------------------------------------------------------------

    def postcode(self, place: Place, legal: LegalPlace, number: str) -> str:
        return f"{place.postcode_prefix:02d}{(int(legal.code[5:8]) * 37 + int(number.split('-')[0]) * 11) % 1000:03d}"

    def home_address(self, draft: HouseholdDraft) -> Address:
        rng = self.rng
        place = draft.place
        apartment_share = 0.62 if place.urban else 0.3
        roll = rng.random()
        if roll < apartment_share:
            home = self.complexes.get(place.index)
            if home is None or home.taken >= home.units:
                home = self.new_complex(place, apartment=True)
                self.complexes[place.index] = home
            building = home.buildings[home.taken % len(home.buildings)]
            unit = home.taken // len(home.buildings)
            floor = 1 + unit // 4 % building.floors
            detail = f"{101 + home.buildings.index(building)}동 {floor}{1 + unit % 4:02d}호"
            home.taken += 1
            return Address(place, home.legal, home.road, home.number, detail,
                           self.postcode(place, home.legal, home.number), home, building)
        if roll < apartment_share + (0.2 if place.urban else 0.1):
            villa = self.villas.get(place.index)
            landlord = villa is None or villa.taken >= villa.units
            if villa is None or landlord:
                villa = self.new_complex(place, apartment=False)
                self.villas[place.index] = villa
            villa.taken += 1
            detail = f"{100 * (1 + (villa.taken - 1) // 4) + 1 + (villa.taken - 1) % 4}호"
            return Address(place, villa.legal, villa.road, villa.number, detail,
                           self.postcode(place, villa.legal, villa.number), villa if landlord else None,
                           villa.buildings[0] if landlord else None)
        legal = rng.choice(place.legal)
        road = self.road_name(legal)
        number = str(rng.randint(1, 400)) if rng.random() < 0.8 else f"{rng.randint(1, 200)}-{rng.randint(1, 30)}"
        return Address(place, legal, road, number, "", self.postcode(place, legal, number))

    def road_name(self, legal: LegalPlace) -> str:
        rng = self.rng
        stem = road_stem(legal.name)
        if rng.random() < 0.4:
            return f"{stem}로"
        return f"{stem}{'로' if rng.random() < 0.5 else ''}{rng.randint(1, 60)}길"

    def new_parcel(self, *, legal: LegalPlace, category: str, area: float, owned_since: date | None = None,
                   urban: bool = True, sido_code: str = "") -> str:
        rng = self.rng
        parcel_id = self.new_id()
        mountain = category == "임" and rng.random() < 0.7
        pnu = self.numbers.pnu(legal_dong_code=legal.code, mountain=mountain)
        registered_on = self.day_between(date(1912, 1, 1), owned_since or date(2015, 12, 31))
        self.out.row("parcels", id=parcel_id, pnu=pnu, legal_dong_code=legal.code, category=category,
                     area_m2=f"{area:.2f}", registered_on=registered_on, closed_on=None)
        if category in ("대", "장", "창"):
            base = rng.uniform(1_500_000, 9_000_000) if urban else rng.uniform(150_000, 900_000)
            if sido_code == "11":
                base *= 3
        elif category in ("전", "답", "과"):
            base = rng.uniform(20_000, 180_000)
        elif category == "임":
            base = rng.uniform(4_000, 35_000)
        else:
            base = rng.uniform(10_000, 400_000)
        for year in (self.as_of.year - 1, self.as_of.year):
            self.out.row("land_prices", parcel_id=parcel_id, year=year, price_per_m2=int(base) // 10 * 10)
            base *= rng.uniform(1.0, 1.06)
        return parcel_id

    def new_complex(self, place: Place, *, apartment: bool) -> Complex:
        rng = self.rng
        legal = rng.choice(place.legal)
        stem = road_stem(legal.name)
        road = f"{stem}로" if apartment else f"{stem}{rng.randint(1, 60)}길"
        number = str(rng.randint(1, 300))
        area = rng.uniform(8_000, 60_000) if apartment else rng.uniform(150, 400)
        parcel_id = self.new_parcel(legal=legal, category="대", area=area, urban=place.urban, sido_code=place.sido_code)
        home = Complex(legal=legal, road=road, number=number, parcel_id=parcel_id, apartment=apartment)
        approved_on = self.day_between(date(1975, 1, 1), self.as_of - timedelta(days=30))
        count = 1
        floors = rng.randint(10, 30) if apartment else rng.randint(3, 5)
        if apartment:
            # Complexes as large as the place's share of this population allows: a small
            # sample gets small complexes rather than a row of empty towers.
            households = self.total / 2.13 * place.population / self.country.population
            count = max(1, min(12, round(households * 0.3 / (floors * 4))))
        for index in range(count):
            if index:
                floors = rng.randint(10, 30) if apartment else rng.randint(3, 5)
            units = floors * 4 if apartment else (floors - 1) * 4
            building = Building(id=self.new_id(), units=units, floors=floors)
            home.buildings.append(building)
            name = f"{stem}{rng.choice(('아파트', '마을', '힐스테이트', '푸르지오', '래미안', '자이'))}" if apartment else f"{stem}빌라"
            self.out.row(
                "buildings", id=building.id, parcel_id=parcel_id,
                name=f"{name} {101 + index}동" if apartment else name,
                road_address=" ".join(p for p in (place.sido, place.sigungu, road, number) if p),
                main_use="apartment" if apartment else "multi_family", floors_above=floors,
                floors_below=rng.randint(1, 3) if apartment else rng.randint(0, 1),
                floor_area_m2=f"{units * rng.uniform(60, 120):.2f}", approved_on=approved_on, demolished_on=None,
            )
        return home

    def home_ownership(self, draft: HouseholdDraft, address: Address, adults: list[Person]) -> None:
        rng = self.rng
        owner = next((p for p in draft.members if p in adults and p.relation in ("head", "spouse")), None)
        if owner is None or owner.foreign:
            return
        acquired_on = self.day_between(max(add_years(owner.birth, 20), date(1980, 1, 1)), self.as_of)
        home = address.home
        if home is not None and home.apartment and address.building is not None:
            if rng.random() < 0.6:
                self.ownership("building", address.building.id, owner, 1, address.building.units, acquired_on)
                self.ownership("parcel", home.parcel_id, owner, 1, home.units, acquired_on)
            return
        if home is not None and address.building is not None:  # the landlord of a multi-family house
            self.ownership("building", address.building.id, owner, 1, 1, acquired_on)
            self.ownership("parcel", home.parcel_id, owner, 1, 1, acquired_on)
            return
        if home is None and not address.detail and rng.random() < 0.8:
            place = address.place
            parcel_id = self.new_parcel(legal=address.legal, category="대", area=rng.uniform(120, 660),
                                        owned_since=acquired_on, urban=place.urban, sido_code=place.sido_code)
            building_id = self.new_id()
            floors = rng.randint(1, 3)
            self.out.row(
                "buildings", id=building_id, parcel_id=parcel_id, name="", road_address=address.line,
                main_use="detached_house", floors_above=floors, floors_below=rng.randint(0, 1),
                floor_area_m2=f"{floors * rng.uniform(50, 120):.2f}",
                approved_on=self.day_between(date(1960, 1, 1), acquired_on), demolished_on=None,
            )
            spouse = next((p for p in draft.members if p.relation == "spouse" and p in adults), None)
            if spouse is not None and owner.relation == "head" and rng.random() < 0.25:
                for person in (owner, spouse):
                    self.ownership("building", building_id, person, 1, 2, acquired_on)
                    self.ownership("parcel", parcel_id, person, 1, 2, acquired_on)
            else:
                self.ownership("building", building_id, owner, 1, 1, acquired_on)
                self.ownership("parcel", parcel_id, owner, 1, 1, acquired_on)

    def ownership(self, kind: str, target: str, owner: Person | None, numerator: int, denominator: int,
                  acquired_on: date, *, business_id: str = "", name: str = "") -> None:
        table = "building_ownerships" if kind == "building" else "parcel_ownerships"
        key = "building_id" if kind == "building" else "parcel_id"
        self.out.row(table, id=self.new_id(), **{key: target}, owner_resident_id=owner.id if owner else "",
                     owner_business_id=business_id, owner_name=name, share_numerator=numerator,
                     share_denominator=denominator, acquired_on=acquired_on, ended_on=None)

    def countryside_land(self, draft: HouseholdDraft, adults: list[Person]) -> None:
        """Farmland, forest and other parcels, 1.5 per household on average (39 million parcels nationally)."""
        rng = self.rng
        place = draft.place
        owners = [p for p in adults if not p.foreign]
        count = 0
        while rng.random() < 0.6:
            count += 1
        for _ in range(count):
            category = rng.choices([c for c, _ in COUNTRY_CATEGORIES], weights=[w for _, w in COUNTRY_CATEGORIES])[0]
            legal = rng.choice(place.countryside)
            area = {"임": rng.uniform(3_000, 60_000), "도": rng.uniform(80, 1_500),
                    "대": rng.uniform(150, 900)}.get(category, rng.uniform(300, 4_000))
            parcel_id = self.new_parcel(legal=legal, category=category, area=area, urban=place.urban,
                                        sido_code=place.sido_code)
            acquired_on = self.day_between(date(1970, 1, 1), self.as_of)
            roll = rng.random()
            if category == "도" or not owners or roll < 0.1:
                public = "대한민국" if rng.random() < 0.6 else place.sido
                self.ownership("parcel", parcel_id, None, 1, 1, acquired_on, name=public)
                continue
            owner = rng.choice(owners)
            acquired_on = max(acquired_on, add_years(owner.birth, 19))
            if roll < 0.25 and len(owners) > 1:
                for person in owners[:2]:
                    self.ownership("parcel", parcel_id, person, 1, 2, max(acquired_on, add_years(person.birth, 19)))
            else:
                self.ownership("parcel", parcel_id, owner, 1, 1, acquired_on)

    # --- vehicles and businesses -------------------------------------------------------------

    def cars(self, person: Person, address: Address) -> None:
        rng = self.rng
        age = self.as_of.year - person.birth.year
        if not person.living or age > 88:
            return
        chance = 0.72 if 30 <= age <= 65 else 0.45
        count = 0
        if rng.random() < chance:
            count = 2 if rng.random() < 0.09 else 1
        for _ in range(count):
            self.vehicle(address, owner=person, business_id="", commercial=False)

    def vehicle(self, address: Address, *, owner: Person | None, business_id: str, commercial: bool) -> None:
        rng = self.rng
        if commercial:
            make, model, fuels, wmi, code, _, _ = rng.choice(COMMERCIAL_MODELS)
        else:
            make, model, fuels, wmi, code, _, _ = rng.choices(PRIVATE_MODELS, weights=PRIVATE_MODEL_WEIGHTS)[0]
        model_year = rng.randint(max(2005, self.as_of.year - 18), self.as_of.year)
        earliest = date(model_year - 1, 7, 1)
        if owner is not None:
            earliest = max(earliest, add_years(owner.birth, 18))
        registered_on = self.day_between(earliest, min(self.as_of, date(model_year + 2, 12, 31)))
        due = add_years(registered_on, 4)
        while due <= self.as_of:
            due = add_years(due, 2)
        vehicle_id = self.new_id()
        self.out.row(
            "vehicles", id=vehicle_id, plate_number=self.numbers.plate(commercial=commercial),
            vin=self.numbers.vin(wmi=wmi, model_code=code, model_year=model_year, plant=rng.choice("ABCU123")),
            make=make, model=model, model_year=model_year, fuel=rng.choice(fuels),
            owner_resident_id=owner.id if owner is not None else "", owner_business_id=business_id,
            use_address=address.line, use_legal_dong_code=address.legal.code, registered_on=registered_on,
            inspection_due_on=due, status="registered", deregistered_on=None,
        )
        roll = rng.random()
        if roll < 0.05:
            start = self.day_between(registered_on, self.as_of)
            self.out.row("encumbrances", id=self.new_id(), vehicle_id=vehicle_id, kind="lien",
                         holder=rng.choice(LIEN_HOLDERS), amount=rng.randint(50, 600) * 100_000,
                         registered_on=start, released_on=None)
        elif roll < 0.065:
            start = self.day_between(registered_on, self.as_of)
            holder = " ".join(p for p in (address.place.sido, address.place.sigungu) if p)
            self.out.row("encumbrances", id=self.new_id(), vehicle_id=vehicle_id, kind="seizure", holder=holder,
                         amount=None, registered_on=start,
                         released_on=self.day_between(start, self.as_of) if rng.random() < 0.3 else None)

    def business(self, person: Person, address: Address) -> None:
        rng = self.rng
        place = address.place
        sector, item, suffixes, premises = rng.choice(BUSINESS_KINDS)
        corporate = rng.random() < 0.15
        tax_type = "corporate" if corporate else rng.choices(("general", "simplified", "exempt"), weights=(60, 35, 5))[0]
        kind = "corporate" if corporate else ("exempt" if tax_type == "exempt" else "individual")
        office = self.country.tax_office_number(place.sigungu_code)
        number = self.numbers.business(office=office, kind=kind)
        stem = road_stem(address.legal.name)
        name = f"{stem}{rng.choice(suffixes)}"
        if corporate:
            name = f"주식회사 {person.family[0]}{rng.choice(('한', '대', '신', '세', '동'))}{rng.choice(suffixes)}"
        started_on = self.day_between(max(add_years(person.birth, 20), date(1990, 1, 1)), self.as_of)
        status, changed = "active", None
        roll = rng.random()
        if roll < 0.12 and started_on < self.as_of:
            status, changed = "closed", self.day_between(started_on + timedelta(days=1), self.as_of)
        elif roll < 0.15 and started_on < self.as_of:
            status, changed = "suspended", self.day_between(started_on + timedelta(days=1), self.as_of)
        business_id = self.new_id()
        self.out.row(
            "businesses", id=business_id, registration_number=number, name=name, representative_id=person.id,
            representative_name=person.name_ko, business_type=sector, business_item=item, address=address.line,
            legal_dong_code=address.legal.code, admin_dong_code=place.admin_dong_code, started_on=started_on,
            status=status, status_changed_on=changed, tax_type=tax_type,
            tax_office_code=TAX_OFFICE_ORGANISATIONS.get(place.sigungu_code, f"nts-{office}"),
        )
        if status != "active":
            return
        if rng.random() < 0.3:
            commercial = premises in ("warehouse", "factory") or rng.random() < 0.2
            for _ in range(rng.randint(1, 3)):
                self.vehicle(address, owner=None, business_id=business_id, commercial=commercial)
        if rng.random() < 0.3:
            category = {"factory": "장", "warehouse": "창"}.get(premises, "대")
            legal = rng.choice(place.legal)
            parcel_id = self.new_parcel(legal=legal, category=category, area=rng.uniform(150, 3_000),
                                        owned_since=started_on, urban=place.urban, sido_code=place.sido_code)
            building_id = self.new_id()
            floors = rng.randint(1, 6)
            road = self.road_name(legal)
            self.out.row(
                "buildings", id=building_id, parcel_id=parcel_id, name=name,
                road_address=" ".join(p for p in (place.sido, place.sigungu, road, str(rng.randint(1, 400))) if p),
                main_use=premises, floors_above=floors, floors_below=rng.randint(0, 2),
                floor_area_m2=f"{floors * rng.uniform(80, 600):.2f}",
                approved_on=self.day_between(date(1975, 1, 1), started_on), demolished_on=None,
            )
            if corporate:
                self.ownership("building", building_id, None, 1, 1, started_on, business_id=business_id)
                self.ownership("parcel", parcel_id, None, 1, 1, started_on, business_id=business_id)
            else:
                self.ownership("building", building_id, person, 1, 1, started_on)
                self.ownership("parcel", parcel_id, person, 1, 1, started_on)


# The country pack's tax offices (organisations.yaml), by the si/gun/gu they serve.
TAX_OFFICE_ORGANISATIONS = {
    "11110": "cen-nts-jongno", "41111": "cen-nts-suwon", "41113": "cen-nts-suwon", "41115": "cen-nts-suwon",
    "41117": "cen-nts-suwon", "36110": "cen-nts-sejong", "50110": "cen-nts-jeju",
}
