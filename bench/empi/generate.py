"""A labelled synthetic Chinese patient registry with the traps of R-ID-2 (deterministic seed).

Every record carries `person`, the true identity: pairs of records with the same person are true
matches. The traps: homophone given names (张伟/张玮), pinyin passport names in either order,
swapped day/month and one-digit birth-date typos, changed phones and addresses, re-registration
with an e-health card or a citizen card, twins (same birth date, phone and address, different
given names), newborns registered under a parent's resident ID (twin newborns even share the
placeholder name "李娜之子"), and thousands of people called 王伟.

All names, numbers and addresses are synthetic.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from pypinyin import lazy_pinyin

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
)
COMPOUND = ("欧阳", "司马", "诸葛", "上官")
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建红宇浩凯健俊帆帅旭宁龙林欣"
    "玲婷雪慧晶颖琳倩晨阳佳怡子涵梓轩浩然雨欣思彤一诺亮鸣玮炜薇巍维卫蔚铭名鸣敏民珉婧靖静晶菁"
)
CITIES = (
    "杭州市",
    "宁波市",
    "温州市",
    "嘉兴市",
    "湖州市",
    "绍兴市",
    "金华市",
    "衢州市",
    "舟山市",
    "台州市",
)
DISTRICTS = (
    "西湖区",
    "上城区",
    "拱墅区",
    "滨江区",
    "萧山区",
    "余杭区",
    "海曙区",
    "江北区",
    "鹿城区",
    "越城区",
)
STREETS = tuple(f"{a}{b}路" for a in "文学天解凤庆延建中新" for b in "一二三四五")
REGIONS = ("330106", "330102", "330105", "330108", "330203", "330302", "330402", "330602")


@dataclass
class Record:
    id: int
    person: int
    name: str
    sex: str
    birth_date: str  # YYYY-MM-DD
    phone: str
    address: str
    doc_type: str
    doc_number: str
    guardian: bool = False  # the document is a parent's, the record a newborn's
    trap: str = ""


def _check_char(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


class Registry:
    def __init__(self, persons: int, seed: int = 20261123, *, legacy: bool = False) -> None:
        self.rng = random.Random(seed)
        # Legacy-load traps (issue 17): missing birth dates, a day off across a month or year,
        # phone typos, birth date or sex disagreeing with the ID number, minor guardians.
        self.legacy = legacy
        self.records: list[Record] = []
        self.person = 0
        self.homophones = self._homophone_groups()
        self.sequence = 0
        self.orders: dict[tuple[str, dt.date, str], int] = {}
        for _ in range(persons):
            self._person()

    # --- building blocks --------------------------------------------------------------------

    @staticmethod
    def _homophone_groups() -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for ch in dict.fromkeys(GIVEN):
            groups.setdefault(lazy_pinyin(ch)[0], []).append(ch)
        return {ch: [c for c in g if c != ch] for g in groups.values() for ch in g if len(g) > 1}

    def _name(self) -> tuple[str, str]:
        rng = self.rng
        if rng.random() < 0.004:
            return "王", "伟"  # ~4,000 王伟 per million persons
        surname = rng.choice(COMPOUND) if rng.random() < 0.01 else rng.choice(SURNAMES)
        given = "".join(rng.choice(GIVEN) for _ in range(2 if rng.random() < 0.6 else 1))
        return surname, given

    def _date(self, start: int, end: int) -> dt.date:
        return dt.date(start, 1, 1) + dt.timedelta(
            days=self.rng.randrange((dt.date(end, 12, 31) - dt.date(start, 1, 1)).days)
        )

    def _phone(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randrange(10**9):09d}"

    def _address(self) -> str:
        rng = self.rng
        return (
            f"{rng.choice(CITIES)}{rng.choice(DISTRICTS)}{rng.choice(STREETS)}"
            f"{rng.randrange(1, 400)}号{rng.randrange(1, 30)}幢{rng.randrange(101, 2600)}室"
        )

    def _resident_id(self, birth: dt.date, sex: str) -> str:
        """A number nobody else holds: the order code (digits 15–17) counts the persons of one
        region, birth date and sex, as the issuing office does. (A sequence taken modulo 499
        once gave ~550 pairs of different persons of a million one number.)"""
        self.sequence += 1
        region = self.rng.choice(REGIONS)
        taken = self.orders.get((region, birth, sex), 0)
        self.orders[(region, birth, sex)] = taken + 1
        order = (taken % 500) * 2 + (1 if sex == "male" else 0)
        body = f"{region}{birth:%Y%m%d}{order:03d}"
        return body + _check_char(body)

    def _other_document(self, kind: str) -> str:
        if kind == "e_health_card":
            return f"{self.rng.getrandbits(256):064X}"
        if kind == "citizen_card":
            return f"ZJ{self.rng.randrange(10**10):010d}"
        return f"E{self.rng.randrange(10**8):08d}"  # passport

    def _add(self, **fields) -> Record:
        record = Record(id=len(self.records) + 1, person=self.person, **fields)
        self.records.append(record)
        return record

    # --- persons and their records ----------------------------------------------------------

    def _person(self) -> None:
        rng = self.rng
        self.person += 1
        surname, given = self._name()
        sex = rng.choice(("male", "female"))
        birth = self._date(1940, 2024)
        phone, address = self._phone(), self._address()
        kind = rng.choices(("resident_id", "e_health_card", "citizen_card"), (70, 20, 10))[0]
        number = (
            self._resident_id(birth, sex) if kind == "resident_id" else self._other_document(kind)
        )
        base = {"sex": sex, "phone": phone, "address": address}
        first = self._add(
            name=surname + given,
            birth_date=birth.isoformat(),
            doc_type=kind,
            doc_number=number,
            **base,
        )
        if self.legacy and kind == "resident_id":
            legacy_roll = rng.random()
            if legacy_roll < 0.02:  # the clerk typed another date than the ID number's
                first.birth_date = (birth + dt.timedelta(days=rng.randrange(2, 300))).isoformat()
                first.trap = "birth date disagrees with ID"
            elif legacy_roll < 0.022:
                first.sex = "female" if sex == "male" else "male"
                first.trap = "sex disagrees with ID"
        extra = rng.choices((0, 1, 2), (72, 23, 5))[0]
        for _ in range(extra):
            self._duplicate(surname, given, birth, kind, number, base)
        roll = rng.random()
        if roll < 0.01:
            self._twin(surname, given, birth, base)
        elif roll < 0.02 and 1966 <= birth.year <= 2000 and kind == "resident_id":
            self._newborns(surname + given, number, base)
        elif self.legacy and roll < 0.03 and 2009 <= birth.year <= 2011 and kind == "resident_id":
            self._newborns(surname + given, number, base, minor_guardian=True)

    def _duplicate(self, surname, given, birth, kind, number, base) -> None:
        rng = self.rng
        traps = []
        doc_type = rng.choices(
            ("same", "e_health_card", "citizen_card", "passport"), (25, 35, 20, 20)
        )[0]
        if doc_type == "same":
            doc_type, doc_number = kind, number
        else:
            doc_number = self._other_document(doc_type)
            traps.append(f"re-registered with {doc_type}")
        name = surname + given
        if doc_type == "passport":
            words = ["".join(lazy_pinyin(surname)).upper(), "".join(lazy_pinyin(given)).upper()]
            name = " ".join(words if rng.random() < 0.6 else reversed(words))
            traps.append("pinyin passport name")
        elif rng.random() < 0.3 and any(ch in self.homophones for ch in given):
            i = next(i for i, ch in enumerate(given) if ch in self.homophones)
            given = given[:i] + rng.choice(self.homophones[given[i]]) + given[i + 1 :]
            name = surname + given
            traps.append("homophone")
        date = birth
        roll = rng.random()
        if roll < 0.08 and birth.day <= 12 and birth.day != birth.month:
            date = birth.replace(month=birth.day, day=birth.month)
            traps.append("swapped day/month")
        elif roll < 0.13:
            typo = self._one_digit_typo(birth)
            if typo:
                date = typo
                traps.append("one-digit birth date")
        birth_text = date.isoformat()
        if self.legacy and date == birth:
            legacy_roll = rng.random()
            if legacy_roll < 0.05:
                birth_text = ""
                traps.append("missing birth date")
            elif legacy_roll < 0.08 and (birth.day in (1, 28, 29, 30, 31)):
                near = birth + dt.timedelta(days=rng.choice((-1, 1)))
                if near.month != birth.month:
                    birth_text = near.isoformat()
                    traps.append("a day off across a month")
        fields = dict(base)
        if self.legacy and rng.random() < 0.1:
            fields["phone"] = self._phone_typo(base["phone"])
            traps.append("phone one-digit typo")
        elif rng.random() < 0.3:
            fields["phone"] = self._phone()
            traps.append("changed phone")
        if rng.random() < 0.3:
            fields["address"] = self._address() if rng.random() < 0.5 else ""
            traps.append("changed address")
        self._add(
            name=name,
            birth_date=birth_text,
            doc_type=doc_type,
            doc_number=doc_number,
            trap=", ".join(traps),
            **fields,
        )

    def _phone_typo(self, phone: str) -> str:
        i = self.rng.randrange(3, 11)
        digit = str((int(phone[i]) + self.rng.randrange(1, 10)) % 10)
        return phone[:i] + digit + phone[i + 1 :]

    def _one_digit_typo(self, birth: dt.date) -> dt.date | None:
        text = birth.strftime("%Y%m%d")
        for _ in range(10):
            i = self.rng.randrange(2, 8)
            candidate = text[:i] + str(self.rng.randrange(10)) + text[i + 1 :]
            try:
                typo = dt.datetime.strptime(candidate, "%Y%m%d").date()  # noqa: DTZ007
            except ValueError:
                continue
            if typo != birth and typo.year < 2026:
                return typo
        return None

    def _twin(self, surname, given, birth, base) -> None:
        self.person += 1
        other = given
        while lazy_pinyin(other) == lazy_pinyin(given):  # twins are not named alike
            other = "".join(self.rng.choice(GIVEN) for _ in range(len(given)))
        sex = self.rng.choice(("male", "female"))
        self._add(
            name=surname + other,
            birth_date=birth.isoformat(),
            doc_type="e_health_card",
            doc_number=self._other_document("e_health_card"),
            trap="twin",
            sex=sex,
            phone=base["phone"],
            address=base["address"],
        )

    def _newborns(self, parent, parent_id, base, *, minor_guardian: bool = False) -> None:
        rng = self.rng
        birth = self._date(2025, 2025)
        twins = rng.random() < 0.3
        for index in range(2 if twins or rng.random() < 0.3 else 1):
            self.person += 1
            sex = "male" if twins else rng.choice(("male", "female"))
            born = birth if twins or index == 0 else self._date(2023, 2024)
            self._add(
                name=f"{parent}{'之子' if sex == 'male' else '之女'}",
                birth_date=born.isoformat(),
                doc_type="resident_id",
                doc_number=parent_id,
                guardian=True,
                trap="newborn under guardian ID"
                + (", guardian is a minor" if minor_guardian else ""),
                sex=sex,
                phone=base["phone"],
                address=base["address"],
            )


def generate(persons: int, seed: int = 20261123, *, legacy: bool = False) -> list[Record]:
    """The registry in registration order: a person's records are spread over it, as re-visits
    years apart would be, and numbered 1, 2, 3… in that order."""
    registry = Registry(persons, seed, legacy=legacy)
    records = registry.records
    registry.rng.shuffle(records)
    for number, record in enumerate(records, start=1):
        record.id = number
    return records
