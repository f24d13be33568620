"""Demo data for `make demo`: a fictional Zhejiang consortium, its staff, and synthetic patients.

Everything is written through the services, exactly as the pages and the API would write it:
structure by the system actor, patients by each institution's registration-window account (so
every patient is affiliated with the institution that registered them and has an audit row), and
three weeks of clinic sessions by the schedule service from weekly session templates. The
templates themselves are back-office data without a service yet, so they are inserted directly.

All names, numbers and addresses are synthetic. Resident ID numbers are well formed (GB 11643
check character, Zhejiang region codes, birth date and sex encoded) but belong to nobody.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from faker import Faker

from onetrip.billing.models import (
    CatalogueItem,
    Charge,
    ChargeCategory,
    ChargeSource,
    InsuranceCategory,
    ItemKind,
    PaymentChannel,
    VisitKind,
)
from onetrip.billing.services import charges, deposits
from onetrip.billing.services.sources import registration_fee_item
from onetrip.consortium import services as consortium
from onetrip.consortium.models import (
    Clinic,
    ClinicKind,
    Department,
    Doctor,
    DoctorTitle,
    Institution,
    InstitutionLevel,
    StaffProfile,
)
from onetrip.core import clock
from onetrip.core.actors import SYSTEM, Actor, ActorKind, Channel
from onetrip.core.roles import ROLES
from onetrip.demo import emergency as emergency_demo
from onetrip.demo import exam_rules as exam_rules_demo
from onetrip.demo import inpatient as inpatient_demo
from onetrip.demo import mpi_legacy as mpi_legacy_demo
from onetrip.demo import pharmacy as pharmacy_demo
from onetrip.demo import publichealth as publichealth_demo
from onetrip.demo import service_centre as service_centre_demo
from onetrip.exams import catalogue as exam_catalogue
from onetrip.exams import services as exams
from onetrip.exams.models import DeviceKind
from onetrip.identity import services as identity
from onetrip.identity.documents import DocumentType
from onetrip.identity.models import Patient, Relationship, Sex
from onetrip.referral import demo as referral_demo
from onetrip.reports import services as reports
from onetrip.reports.results import LOINC_SYSTEM, ObservationIn, ReportIn, ReportKind, ReportStatus
from onetrip.scheduling.models import ClinicSession, Period, SessionTemplate
from onetrip.scheduling.services import schedule

__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_PASSWORD",
    "DemoAccount",
    "DemoSummary",
    "exam_price_code",
    "gb11643_check_char",
    "load_demo",
    "resident_id_number",
    "synthetic_adults",
]

# One password for every demo account. Demo only: never load the demo into a real deployment.
DEMO_PASSWORD = "onetrip-demo-2026"

TERTIARY_CODE = "ZJ-H001"

# --- the consortium -------------------------------------------------------------------------


@dataclass(frozen=True)
class _InstitutionSpec:
    code: str
    name: str
    name_en: str
    level: str
    parent: str | None
    address: str
    departments: tuple[tuple[str, int], ...]  # (department code, number of doctors)
    patient_share: float  # share of the demo patients registered here
    patient_area: str  # address prefix for the patients registered here


_TERTIARY_DEPARTMENTS = (
    ("IM", 4),
    ("SURG", 4),
    ("OBGYN", 3),
    ("PED", 3),
    ("CARD", 2),
    ("NEUR", 2),
    ("OPH", 2),
    ("ENT", 2),
    ("STOM", 2),
    ("DERM", 2),
    ("TCM", 2),
    ("ER", 2),
    # The anaesthesia clinic sees elective-surgery patients on their pre-admission visit (D190).
    ("ANES", 1),
)
_COUNTY_DEPARTMENTS = (
    ("IM", 2),
    ("SURG", 2),
    ("OBGYN", 1),
    ("PED", 1),
    ("OPH", 1),
    ("ENT", 1),
    ("STOM", 1),
    ("TCM", 1),
    ("ER", 1),
)
_TOWNSHIP_DEPARTMENTS = (("GP", 1), ("TCM", 1))
_COMMUNITY_DEPARTMENTS = (("GP", 1),)
_HUT_DEPARTMENTS = (("GP", 1),)

INSTITUTIONS: tuple[_InstitutionSpec, ...] = (
    _InstitutionSpec(
        TERTIARY_CODE,
        "海州市第一人民医院",
        "Haizhou First People's Hospital",
        InstitutionLevel.TERTIARY,
        None,
        "浙江省海州市定澜区人民北路88号",
        _TERTIARY_DEPARTMENTS,
        0.42,
        "浙江省海州市定澜区",
    ),
    _InstitutionSpec(
        "ZJ-C001",
        "东岙县人民医院",
        "Dong'ao County People's Hospital",
        InstitutionLevel.COUNTY,
        TERTIARY_CODE,
        "浙江省海州市东岙县城关街道环城南路16号",
        _COUNTY_DEPARTMENTS,
        0.18,
        "浙江省海州市东岙县",
    ),
    _InstitutionSpec(
        "ZJ-C002",
        "青屿县人民医院",
        "Qingyu County People's Hospital",
        InstitutionLevel.COUNTY,
        TERTIARY_CODE,
        "浙江省海州市青屿县海滨街道沙湾路201号",
        _COUNTY_DEPARTMENTS,
        0.16,
        "浙江省海州市青屿县",
    ),
    _InstitutionSpec(
        "ZJ-T001",
        "东岙县沙河镇卫生院",
        "Shahe Township Health Centre, Dong'ao County",
        InstitutionLevel.TOWNSHIP,
        "ZJ-C001",
        "浙江省海州市东岙县沙河镇沙河街12号",
        _TOWNSHIP_DEPARTMENTS,
        0.06,
        "浙江省海州市东岙县沙河镇",
    ),
    _InstitutionSpec(
        "ZJ-T002",
        "东岙县桃湾乡卫生院",
        "Taowan Township Health Centre, Dong'ao County",
        InstitutionLevel.TOWNSHIP,
        "ZJ-C001",
        "浙江省海州市东岙县桃湾乡桃湾村35号",
        _TOWNSHIP_DEPARTMENTS,
        0.05,
        "浙江省海州市东岙县桃湾乡",
    ),
    _InstitutionSpec(
        "ZJ-T003",
        "青屿县螺门镇卫生院",
        "Luomen Township Health Centre, Qingyu County",
        InstitutionLevel.TOWNSHIP,
        "ZJ-C002",
        "浙江省海州市青屿县螺门镇渔港路8号",
        _TOWNSHIP_DEPARTMENTS,
        0.04,
        "浙江省海州市青屿县螺门镇",
    ),
    _InstitutionSpec(
        "ZJ-S001",
        "东岙县城关街道社区卫生服务中心",
        "Chengguan Subdistrict Community Health Service Centre, Dong'ao County",
        InstitutionLevel.COMMUNITY_CENTRE,
        "ZJ-C001",
        "浙江省海州市东岙县城关街道文化路27号",
        _COMMUNITY_DEPARTMENTS,
        0.04,
        "浙江省海州市东岙县城关街道",
    ),
    _InstitutionSpec(
        "ZJ-S002",
        "青屿县海滨街道社区卫生服务中心",
        "Haibin Subdistrict Community Health Service Centre, Qingyu County",
        InstitutionLevel.COMMUNITY_CENTRE,
        "ZJ-C002",
        "浙江省海州市青屿县海滨街道观潮路66号",
        _COMMUNITY_DEPARTMENTS,
        0.04,
        "浙江省海州市青屿县海滨街道",
    ),
    _InstitutionSpec(
        "ZJ-I001",
        "螺门镇小鹿岛海岛健康小屋",
        "Xiaolu Island Health Hut, Luomen Township",
        InstitutionLevel.ISLAND_HUT,
        "ZJ-T003",
        "浙江省海州市青屿县螺门镇小鹿岛村3号",
        _HUT_DEPARTMENTS,
        0.01,
        "浙江省海州市青屿县螺门镇小鹿岛",
    ),
)


@dataclass(frozen=True)
class _DepartmentSpec:
    name: str
    name_en: str
    specialities: tuple[str, ...]
    specialist_clinics: tuple[str, ...]  # 专科/专病门诊, offered by the bigger hospitals


# Who a department sees (youngest, oldest), in whole years: children under 14 see paediatrics;
# adult cardiology sees patients from 14.
_DEPARTMENT_AGES = {"PED": (None, 13), "CARD": (14, None)}

DEPARTMENTS: dict[str, _DepartmentSpec] = {
    "IM": _DepartmentSpec(
        "内科",
        "Internal Medicine",
        ("高血压、糖尿病等慢病管理", "呼吸系统疾病", "消化系统疾病", "肾脏病"),
        ("糖尿病专病门诊", "慢阻肺专病门诊"),
    ),
    "SURG": _DepartmentSpec(
        "外科",
        "Surgery",
        ("普外科、腹腔镜手术", "骨科创伤", "泌尿外科", "甲状腺乳腺外科"),
        ("甲状腺乳腺专科门诊", "疝与腹壁外科门诊"),
    ),
    "OBGYN": _DepartmentSpec(
        "妇产科",
        "Obstetrics and Gynaecology",
        ("产科、高危妊娠", "妇科肿瘤", "计划生育与不孕症"),
        ("产前检查门诊", "宫颈疾病专病门诊"),
    ),
    "PED": _DepartmentSpec(
        "儿科",
        "Paediatrics",
        ("小儿呼吸", "新生儿疾病", "儿童保健与生长发育"),
        ("儿童哮喘专病门诊", "儿童保健门诊"),
    ),
    "CARD": _DepartmentSpec(
        "心血管内科",
        "Cardiology",
        ("冠心病介入治疗", "心律失常", "心力衰竭"),
        ("胸痛专病门诊", "高血压专病门诊"),
    ),
    "NEUR": _DepartmentSpec(
        "神经内科",
        "Neurology",
        ("脑血管病", "癫痫", "头痛与眩晕"),
        ("卒中专病门诊", "记忆障碍门诊"),
    ),
    "OPH": _DepartmentSpec(
        "眼科",
        "Ophthalmology",
        ("白内障", "青光眼", "眼底病"),
        ("白内障专病门诊",),
    ),
    "ENT": _DepartmentSpec(
        "耳鼻喉科",
        "Otorhinolaryngology",
        ("鼻窦炎、过敏性鼻炎", "听力与眩晕", "咽喉疾病"),
        ("听力门诊",),
    ),
    "ANES": _DepartmentSpec(
        "麻醉科",
        "Anaesthesiology",
        ("术前麻醉评估", "疼痛治疗"),
        ("麻醉评估门诊",),
    ),
    "STOM": _DepartmentSpec(
        "口腔科",
        "Stomatology",
        ("牙体牙髓病", "口腔修复", "儿童口腔"),
        ("口腔正畸门诊",),
    ),
    "DERM": _DepartmentSpec(
        "皮肤科",
        "Dermatology",
        ("湿疹与皮炎", "银屑病", "皮肤美容"),
        ("银屑病专病门诊",),
    ),
    "TCM": _DepartmentSpec(
        "中医科",
        "Traditional Chinese Medicine",
        ("中医内科调理", "针灸推拿", "中医妇科"),
        ("针灸推拿门诊", "膏方门诊"),
    ),
    "ER": _DepartmentSpec(
        "急诊科",
        "Emergency Medicine",
        ("急危重症救治", "创伤急救"),
        (),
    ),
    "GP": _DepartmentSpec(
        "全科医学科",
        "General Practice",
        ("家庭医生签约服务", "慢病随访", "老年人健康管理"),
        (),
    ),
}

# Doctor titles by institution level: the tertiary hospital is top-heavy (and each of its
# departments is headed by a chief or associate chief physician), primary care is not.
_TITLE_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    InstitutionLevel.TERTIARY: (
        (DoctorTitle.CHIEF, 0.1),
        (DoctorTitle.ASSOCIATE_CHIEF, 0.25),
        (DoctorTitle.ATTENDING, 0.4),
        (DoctorTitle.RESIDENT, 0.25),
    ),
    InstitutionLevel.COUNTY: (
        (DoctorTitle.CHIEF, 0.05),
        (DoctorTitle.ASSOCIATE_CHIEF, 0.2),
        (DoctorTitle.ATTENDING, 0.45),
        (DoctorTitle.RESIDENT, 0.3),
    ),
    InstitutionLevel.TOWNSHIP: (
        (DoctorTitle.ASSOCIATE_CHIEF, 0.05),
        (DoctorTitle.ATTENDING, 0.4),
        (DoctorTitle.RESIDENT, 0.3),
        (DoctorTitle.ASSISTANT, 0.25),
    ),
    InstitutionLevel.ISLAND_HUT: ((DoctorTitle.ASSISTANT, 1.0),),
}
_TITLE_WEIGHTS[InstitutionLevel.COMMUNITY_CENTRE] = _TITLE_WEIGHTS[InstitutionLevel.TOWNSHIP]
_HEAD_TITLES = (DoctorTitle.CHIEF, DoctorTitle.ASSOCIATE_CHIEF)

# --- staff accounts -------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    institution_code: str


_TOWNSHIP_CODE = "ZJ-T001"

# One account per role at the tertiary hospital, its user name the role code; a registration
# window and a doctor at a township centre; and a registration window at every other institution
# so the demo patients are spread over (and affiliated with) the whole consortium.
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    *(DemoAccount(role.code, role.code, TERTIARY_CODE) for role in ROLES),
    DemoAccount("township_registration", "registration", _TOWNSHIP_CODE),
    DemoAccount("township_doctor", "doctor", _TOWNSHIP_CODE),
    DemoAccount("county1_registration", "registration", "ZJ-C001"),
    DemoAccount("county2_registration", "registration", "ZJ-C002"),
    DemoAccount("township2_registration", "registration", "ZJ-T002"),
    DemoAccount("township3_registration", "registration", "ZJ-T003"),
    DemoAccount("community1_registration", "registration", "ZJ-S001"),
    DemoAccount("community2_registration", "registration", "ZJ-S002"),
    DemoAccount("islandhut_registration", "registration", "ZJ-I001"),
    DemoAccount("island_doctor", "doctor", "ZJ-T003"),  # responsible for the island hut
)
# Which department's first doctor each doctor account is linked to.
_LINKED_DOCTORS = {"doctor": "IM", "township_doctor": "GP"}


@dataclass(frozen=True)
class DemoSummary:
    already_loaded: bool = False
    institutions: int = 0
    departments: int = 0
    clinics: int = 0
    doctors: int = 0
    staff_accounts: int = 0
    clinic_sessions: int = 0
    patients: int = 0
    reports: int = 0
    admissions: tuple[str, ...] = ()
    patients_by_institution: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    accounts: tuple[DemoAccount, ...] = DEMO_ACCOUNTS
    password: str = DEMO_PASSWORD


# --- clinic schedules -----------------------------------------------------------------------

# Registration fee (fen) and patients per 10-minute slot by title: 普通号 for residents up to
# 专家号 for chief physicians, who see fewer patients each.
_FEE_AND_CAPACITY: dict[str, tuple[int, int]] = {
    DoctorTitle.CHIEF: (5000, 1),
    DoctorTitle.ASSOCIATE_CHIEF: (3000, 2),
    DoctorTitle.ATTENDING: (1500, 3),
    DoctorTitle.RESIDENT: (1000, 3),
    DoctorTitle.ASSISTANT: (1000, 3),
}
_EXPERT_TITLES = (DoctorTitle.CHIEF, DoctorTitle.ASSOCIATE_CHIEF)
_MORNING = (dt.time(8, 0), dt.time(11, 30))
_AFTERNOON = (dt.time(14, 0), dt.time(16, 30))
# Emergency patients are seen as they arrive, never booked.
_UNBOOKED_DEPARTMENTS = ("ER",)
SCHEDULE_DAYS = 21  # by default sessions are generated from today to today + 21 days
# The weekly templates hold from this many days back, so `onetrip simulate` can replay the weeks
# before the demo was loaded through the schedule service.
TEMPLATE_HISTORY_DAYS = 91

# --- prices ---------------------------------------------------------------------------------

# The price catalogue (back-office data without a service, like the templates): one registration
# item per fee above and one item per exam of the exam catalogue, priced by its device.
_EXAM_PRICES_FEN = {
    DeviceKind.ULTRASOUND: 12000,
    DeviceKind.CT: 32000,
    DeviceKind.MRI: 68000,
    DeviceKind.DR: 8000,
    DeviceKind.FLUOROSCOPY: 16000,
    DeviceKind.ENDOSCOPY: 38000,
    DeviceKind.ECG: 2500,
    DeviceKind.ECHO: 22000,
    DeviceKind.BLOOD_DRAW: 4500,
    DeviceKind.NUCLEAR: 30000,
    DeviceKind.PET_CT: 750000,
}


def exam_price_code(item_code: str) -> str:
    """The price-catalogue code of an exam item."""
    return f"EX-{item_code}"


# --- synthetic identity numbers -------------------------------------------------------------

_CHECK_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"

# Zhejiang county-level codes (GB/T 2260), weighted towards the island districts the fictional
# Haizhou city is modelled on.
_REGION_CODES = (
    ("330902", 30),  # 定海区
    ("330903", 25),  # 普陀区
    ("330921", 12),  # 岱山县
    ("330922", 6),  # 嵊泗县
    ("330102", 5),  # 杭州 上城区
    ("330203", 5),  # 宁波 海曙区
    ("330282", 4),  # 慈溪市
    ("330302", 3),  # 温州 鹿城区
    ("330602", 3),  # 绍兴 越城区
    ("331002", 4),  # 台州 椒江区
    ("330702", 3),  # 金华 婺城区
)
_HMT_REGIONS = ("810000", "820000", "830000")

# Mainland mobile number segments (号段) of the three carriers.
_MOBILE_PREFIXES = tuple(
    str(segment)
    for segment in (
        *range(130, 140),
        *range(150, 154),
        *range(155, 160),
        166,
        173,
        *range(175, 179),
        *range(180, 190),
        191,
        195,
        198,
        199,
    )
)


def gb11643_check_char(first_17_digits: str) -> str:
    """The ISO 7064 MOD 11-2 check character of an 18-character citizen identity number."""
    total = sum(int(d) * w for d, w in zip(first_17_digits, _CHECK_WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def resident_id_number(region: str, birth_date: dt.date, sex: str, sequence: int) -> str:
    """An 18-character number: region, birth date, 3-digit sequence (odd for men), check char.

    `sequence` (0-499) picks the sequence; its last digit is odd for men and even for women.
    """
    parity_digit = 2 * (sequence % 5) + (1 if sex == Sex.MALE else 0)
    body = f"{region}{birth_date:%Y%m%d}{(sequence // 5) % 100:02d}{parity_digit}"
    return body + gb11643_check_char(body)


# --- synthetic patients ---------------------------------------------------------------------

# fmt: off
_STREETS = (
    "人民路", "解放路", "环城北路", "环城南路", "海滨路", "渔港路", "文化路", "新桥路",
    "东山路", "昌国路", "朝阳街", "和平路", "沙湾路", "观潮路", "建设路", "青年路",
    "港口路", "南珍路", "盐仓路", "公园路", "学院路", "塘头街", "桃湾村", "螺门村",
)
# fmt: on

_FOREIGN_LOCALES = {
    "USA": "en_US",
    "GBR": "en_GB",
    "DEU": "de_DE",
    "KOR": "ko_KR",
    "JPN": "ja_JP",
}
_ALNUM = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class _Guardian:
    surname: str
    number: str
    phone: str
    address: str


class _PatientFactory:
    """Builds `PatientRegistration`s; remembers every number handed out so none repeats."""

    def __init__(self, seed: int, today: dt.date) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker(["zh_CN", *_FOREIGN_LOCALES.values()])
        self.fake.seed_instance(seed)
        self.zh = self.fake["zh_CN"]
        self.today = today
        self.numbers: set[str] = set()
        self.guardians: dict[str, list[_Guardian]] = {}
        regions, weights = zip(*_REGION_CODES, strict=True)
        self._regions, self._region_weights = regions, weights

    # building blocks

    def _unique(self, make: Callable[[], str]) -> str:
        while True:
            number = make()
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def _sex(self) -> str:
        return self.rng.choice((Sex.MALE, Sex.FEMALE))

    def _chinese_name(self, sex: str, surname: str | None = None) -> tuple[str, str]:
        surname = surname or self.zh.last_name()
        given = self.zh.first_name_male() if sex == Sex.MALE else self.zh.first_name_female()
        return surname, surname + given

    def _birth_date(self, min_age: int, max_age: int) -> dt.date:
        """A birth date of someone aged `min_age` to `max_age` (inclusive) today."""
        oldest = _years_before(self.today, max_age + 1) + dt.timedelta(days=1)
        youngest = _years_before(self.today, min_age)
        return oldest + dt.timedelta(days=self.rng.randint(0, (youngest - oldest).days))

    def _adult_birth_date(self) -> dt.date:
        # Outpatients skew older: a third are 60 or over.
        band = self.rng.choices(((18, 39), (40, 59), (60, 92)), weights=(35, 35, 30))[0]
        return self._birth_date(*band)

    def _phone(self) -> str:
        return self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def _address(self, area: str) -> str:
        return f"{area}{self.rng.choice(_STREETS)}{self.rng.randint(1, 399)}号"

    def _resident_id(self, birth_date: dt.date, sex: str) -> str:
        region = self.rng.choices(self._regions, weights=self._region_weights)[0]
        return self._unique(
            lambda: resident_id_number(region, birth_date, sex, self.rng.randrange(500))
        )

    # the kinds of patient

    def make(self, area: str, institution_code: str) -> identity.PatientRegistration:
        roll = self.rng.random()
        if roll < 0.03 and self.guardians.get(institution_code):
            return self._minor(institution_code)
        if roll < 0.045:
            return self._foreigner(area)
        if roll < 0.06:
            return self._hmt_resident(area)
        extra = None
        if roll < 0.11:
            extra = DocumentType.SOCIAL_SECURITY_CARD
        elif roll < 0.15:
            extra = DocumentType.CITIZEN_CARD
        return self._resident(area, institution_code, extra)

    def _resident(
        self, area: str, institution_code: str, extra: str | None
    ) -> identity.PatientRegistration:
        sex = self._sex()
        surname, name = self._chinese_name(sex)
        birth_date = self._adult_birth_date()
        number = self._resident_id(birth_date, sex)
        documents = [identity.DocumentInput(DocumentType.RESIDENT_ID, number)]
        if extra == DocumentType.SOCIAL_SECURITY_CARD:
            # The social security number is the citizen ID number.
            documents.append(identity.DocumentInput(DocumentType.SOCIAL_SECURITY_CARD, number))
        elif extra == DocumentType.CITIZEN_CARD:
            card = self._unique(lambda: f"HZ{self.rng.randrange(10**8):08d}")
            documents.append(identity.DocumentInput(DocumentType.CITIZEN_CARD, card))
        phone, address = self._phone(), self._address(area)
        if _years_before(self.today, 50) < birth_date <= _years_before(self.today, 22):
            self.guardians.setdefault(institution_code, []).append(
                _Guardian(surname, number, phone, address)
            )
        return identity.PatientRegistration(
            name=name,
            sex=sex,
            birth_date=birth_date,
            phone=phone,
            address=address,
            documents=documents,
        )

    def _minor(self, institution_code: str) -> identity.PatientRegistration:
        """A newborn or child registered under a parent's resident ID (the parent's phone)."""
        parent = self.rng.choice(self.guardians[institution_code])
        sex = self._sex()
        _surname, name = self._chinese_name(sex, surname=parent.surname)
        if self.rng.random() < 0.4:  # a newborn, before the household registration is done
            birth_date = self.today - dt.timedelta(days=self.rng.randint(1, 120))
        else:
            birth_date = self._birth_date(0, 16)
        return identity.PatientRegistration(
            name=name,
            sex=sex,
            birth_date=birth_date,
            phone=parent.phone,
            address=parent.address,
            guardian=identity.GuardianInput(
                DocumentType.RESIDENT_ID, parent.number, Relationship.PARENT
            ),
        )

    def _foreigner(self, area: str) -> identity.PatientRegistration:
        country = self.rng.choice(tuple(_FOREIGN_LOCALES))
        local = self.fake[_FOREIGN_LOCALES[country]]
        sex = self._sex()
        given = local.first_name_male() if sex == Sex.MALE else local.first_name_female()
        if country in ("KOR", "JPN"):
            name = f"{local.last_name()}{given}"
        else:
            name = f"{given} {local.last_name()}"
        return identity.PatientRegistration(
            name=name,
            sex=sex,
            birth_date=self._birth_date(20, 70),
            phone=self._phone(),
            address=self._address(area),
            documents=[
                identity.DocumentInput(
                    DocumentType.PASSPORT, self._unique(lambda: self._passport(country)), country
                )
            ],
        )

    def _passport(self, country: str) -> str:
        digits = f"{self.rng.randrange(10**8):08d}"
        if country in ("USA", "GBR"):
            return f"{self.rng.randint(1, 9)}{digits}"
        if country == "KOR":
            return f"M{digits}"
        if country == "JPN":
            return f"{self.rng.choice(('TK', 'TR', 'MZ'))}{digits[:7]}"
        return self.rng.choice("CFGHJK") + "".join(self.rng.choices(_ALNUM, k=8))

    def _hmt_resident(self, area: str) -> identity.PatientRegistration:
        """A Hong Kong, Macao or Taiwan resident holding a mainland residence permit."""
        sex = self._sex()
        _surname, name = self._chinese_name(sex)
        birth_date = self._birth_date(20, 75)
        region = self.rng.choice(_HMT_REGIONS)
        number = self._unique(
            lambda: resident_id_number(region, birth_date, sex, self.rng.randrange(500))
        )
        return identity.PatientRegistration(
            name=name,
            sex=sex,
            birth_date=birth_date,
            phone=self._phone(),
            address=self._address(area),
            documents=[identity.DocumentInput(DocumentType.HMT_RESIDENCE_PERMIT, number)],
        )


# --- reports --------------------------------------------------------------------------------

# Blood counts for the tertiary hospital's first patients, ordered by the `doctor` account and
# filed by the exam centre, so the phone's reports, the desk's report pages, the PDF and the
# recognition warning on the order form have something to show (R-EXAM-4/5).
DEMO_REPORTS = 12
_BLOOD_COUNT = (
    ("6690-2", "白细胞计数 WBC", "10*9/L", "3.5-9.5", (4.1, 6.3, 11.2)),
    ("718-7", "血红蛋白 HGB", "g/L", "115-150", (128, 136, 109)),
    ("777-3", "血小板计数 PLT", "10*9/L", "125-350", (210, 265, 180)),
)


def _create_reports(staff: dict[str, StaffProfile]) -> int:
    doctor = _registration_actor(staff["doctor"])
    desk = _registration_actor(staff["exam_centre"])
    patients = identity.accessible_patients(doctor).order_by("pk")[:DEMO_REPORTS]
    for number, patient in enumerate(patients):
        order = exams.place_exam_order(
            patient_id=patient.pk, item_code="BLOOD_ROUTINE", actor=doctor
        )
        variant = number % 3  # normal, normal, one value out of range each
        observations = []
        for code, name, unit, normal, values in _BLOOD_COUNT:
            value = values[variant]
            low, high = (float(bound) for bound in normal.split("-"))
            flag = "H" if value > high else "L" if value < low else "N"
            observations.append(
                ObservationIn(
                    code, name, LOINC_SYSTEM, str(value), Decimal(str(value)), unit, normal, flag
                )
            )
        reports.submit_report(
            ReportIn(
                placer_number=order.placer_number,
                kind=ReportKind.LAB,
                status=ReportStatus.FINAL,
                service_code="CBC",
                service_name="血常规",
                issued_at=clock.now(),
                observations=observations,
            ),
            message_id=f"DEMO-CBC-{number + 1:03d}",
            actor=desk,
        )
    return len(patients)


# One admission per deposit; the last deposit runs low, so its reminder is sent.
DEMO_DEPOSITS_FEN = (200_000, 100_000, 20_000)
WARD_DAYS = 3


def _create_admissions(staff: dict[str, StaffProfile]) -> tuple[str, ...]:
    """Three patients on the tertiary hospital's wards (R-PAY-1 inpatient): a deposit paid in
    cash at the admission desk and three days of bed and nursing charged; the desk and the
    patient's phone show the balance, and discharge settles against it."""
    ward = _registration_actor(staff["admission"])
    cashier = _registration_actor(staff["finance"])
    patients = identity.accessible_patients(ward).order_by("pk")
    patients = patients[DEMO_REPORTS : DEMO_REPORTS + len(DEMO_DEPOSITS_FEN)]
    admissions = []
    # A small demo (tests load a few patients) has fewer admissions.
    admitted = zip(patients, DEMO_DEPOSITS_FEN, strict=False)
    for number, (patient, deposit) in enumerate(admitted, start=1):
        admission = f"ZY{clock.today():%Y%m%d}{number:03d}"
        # The deposit is paid in on the first day; the days after are charged against it.
        bill_id = _charge_ward_day(patient, admission, 1, ward).bill_id
        deposits.top_up(
            deposits.TopUpRequest(bill_id=bill_id, amount_fen=deposit, channel=PaymentChannel.CASH),
            actor=cashier,
        )
        for day in range(2, WARD_DAYS + 1):
            _charge_ward_day(patient, admission, day, ward)
        admissions.append(admission)
    return tuple(admissions)


def _charge_ward_day(patient: Patient, admission: str, day: int, ward: Actor) -> Charge:
    for code, *_item in _WARD_ITEMS:
        charge = charges.create_charge(
            charges.ChargeRequest(
                patient_id=patient.pk,
                institution_id=ward.institution_id,
                visit_reference=admission,
                item_code=code,
                quantity=1,
                source=ChargeSource.WARD,
                source_key=f"{admission}:{code}:day{day}",
                visit_kind=VisitKind.INPATIENT,
            ),
            actor=ward,
        )
    return charge


def synthetic_adults(seed: int, today: dt.date) -> Callable[[str], identity.PatientRegistration]:
    """Adult residents living in an area (an address prefix), built like the demo's patients:
    the simulator's new app users register with these."""
    factory = _PatientFactory(seed, today)
    return lambda area: factory._resident(area, "", None)


# --- loading --------------------------------------------------------------------------------


def load_demo(
    *,
    patients: int = 3000,
    seed: int = 20261123,
    schedule_days: int = SCHEDULE_DAYS,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Load the demo consortium, staff, clinic sessions from today to `schedule_days` ahead and
    `patients` synthetic patients, all or nothing.

    Does nothing when the demo consortium is already there (its tertiary hospital exists).
    """
    if Institution.objects.filter(code=TERTIARY_CODE).exists():
        return DemoSummary(already_loaded=True)
    started = time.perf_counter()
    # One transaction: a failure leaves no half-loaded demo, and SQLite commits once (the
    # services' own atomic blocks become savepoints).
    with transaction.atomic():
        rng = random.Random(seed)
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        institutions = _create_institutions()
        departments, clinics, doctors = _create_structure(institutions, rng, fake)
        staff = _create_staff(institutions, departments, fake)
        _create_schedules(institutions, doctors, schedule_days)
        exam_catalogue.equip_demo(institutions.values(), clock.today(), schedule_days)
        _create_price_catalogue()
        registered = _create_patients(patients, seed, staff, progress)
        filed = _create_reports(staff)
        exam_rules_demo.load(institutions, _registration_actor(staff["doctor"]))
        admissions = _create_admissions(staff)
        inpatient_demo.load(staff)
        emergency_demo.load(staff)
        referral_demo.load(
            family_doctor=staff["township_doctor"],
            office=staff["referral"],
            hospital_doctor=staff["doctor"],
        )
        service_centre_demo.load(staff)
        mpi_legacy_demo.load(loader=_registration_actor(staff["registration"]))
        pharmacy_demo.load(staff)
        publichealth_demo.load(
            hospital=institutions[TERTIARY_CODE],
            vaccinator=staff["vaccinator"],
            clerk=staff["registration"],
            island_doctor=staff["island_doctor"],
            doctor=staff["doctor"],
            community_nurse=staff["community_nurse"],
            maternal_child_staff=staff["maternal_child"],
            days=schedule_days,
        )
    return DemoSummary(
        institutions=len(institutions),
        # Counted at the end: the domains' demos add their own (the vaccination clinic, D165).
        departments=Department.objects.count(),
        clinics=Clinic.objects.count(),
        doctors=Doctor.objects.count(),
        staff_accounts=len(staff),
        clinic_sessions=ClinicSession.objects.count(),
        patients=sum(registered.values()),
        reports=filed,
        admissions=admissions,
        patients_by_institution=registered,
        seconds=time.perf_counter() - started,
    )


def _create_institutions() -> dict[str, Institution]:
    created: dict[str, Institution] = {}
    for spec in INSTITUTIONS:  # parents come before their children
        created[spec.code] = consortium.create_institution(
            code=spec.code,
            name=spec.name,
            name_en=spec.name_en,
            level=spec.level,
            parent=created[spec.parent] if spec.parent else None,
            address=spec.address,
            actor=SYSTEM,
        )
    return created


def _create_structure(
    institutions: dict[str, Institution], rng: random.Random, fake: Faker
) -> tuple[dict[tuple[str, str], Department], int, list[Doctor]]:
    departments: dict[tuple[str, str], Department] = {}
    doctors: list[Doctor] = []
    clinics = 0
    for spec in INSTITUTIONS:
        institution = institutions[spec.code]
        is_hospital = spec.level in (InstitutionLevel.TERTIARY, InstitutionLevel.COUNTY)
        titles, weights = zip(*_TITLE_WEIGHTS[spec.level], strict=True)
        for floor, (dept_code, doctor_count) in enumerate(spec.departments, start=1):
            dept_spec = DEPARTMENTS[dept_code]
            department = consortium.add_department(
                institution,
                code=dept_code,
                name=dept_spec.name,
                name_en=dept_spec.name_en,
                ages=_DEPARTMENT_AGES.get(dept_code, (None, None)),
                actor=SYSTEM,
            )
            departments[(spec.code, dept_code)] = department
            for name, kind in _clinics_of(dept_spec, spec.level):
                location = (
                    f"门诊楼{(floor + 1) // 2}楼{'AB'[floor % 2]}区" if is_hospital else "门诊大厅"
                )
                consortium.add_clinic(
                    department, name=name, kind=kind, location=location, actor=SYSTEM
                )
                clinics += 1
            for index in range(doctor_count):
                if index == 0 and spec.level == InstitutionLevel.TERTIARY:
                    title = rng.choice(_HEAD_TITLES)
                else:
                    title = rng.choices(titles, weights=weights)[0]
                doctors.append(
                    consortium.add_doctor(
                        department,
                        name=fake.name(),
                        title=title,
                        speciality=rng.choice(dept_spec.specialities),
                        actor=SYSTEM,
                    )
                )
    return departments, clinics, doctors


def _clinics_of(dept: _DepartmentSpec, level: str) -> list[tuple[str, str]]:
    """General clinics everywhere; specialist and expert clinics at the hospitals."""
    clinics = [(f"{dept.name}普通门诊", ClinicKind.GENERAL)]
    if level == InstitutionLevel.TERTIARY:
        clinics += [(name, ClinicKind.SPECIALIST) for name in dept.specialist_clinics]
        clinics.append((f"{dept.name}专家门诊", ClinicKind.EXPERT))
    elif level == InstitutionLevel.COUNTY:
        clinics += [(name, ClinicKind.SPECIALIST) for name in dept.specialist_clinics[:1]]
        if dept.specialist_clinics:
            clinics.append((f"{dept.name}专家门诊", ClinicKind.EXPERT))
    return clinics


def _create_staff(
    institutions: dict[str, Institution],
    departments: dict[tuple[str, str], Department],
    fake: Faker,
) -> dict[str, StaffProfile]:
    staff: dict[str, StaffProfile] = {}
    for account in DEMO_ACCOUNTS:
        doctor = None
        if account.username in _LINKED_DOCTORS:
            department = departments[(account.institution_code, _LINKED_DOCTORS[account.username])]
            doctor = department.doctors.order_by("pk").first()
        staff[account.username] = consortium.create_staff_account(
            username=account.username,
            password=DEMO_PASSWORD,
            full_name=doctor.name if doctor else fake.name(),
            institution=institutions[account.institution_code],
            roles=[account.role],
            doctor=doctor,
            actor=SYSTEM,
        )
    return staff


def _create_schedules(
    institutions: dict[str, Institution], doctors: list[Doctor], days: int
) -> int:
    """Every doctor outside emergency works Monday to Saturday mornings (every other one Sunday
    mornings too) and two weekday afternoons; experts in their department's expert clinic,
    everyone else in its general clinic. Returns the number of clinic sessions generated."""
    today = clock.today()
    clinics: dict[tuple[int, str], Clinic] = {}
    for clinic in Clinic.objects.filter(kind__in=(ClinicKind.GENERAL, ClinicKind.EXPERT)):
        clinics[(clinic.department_id, clinic.kind)] = clinic
    templates = []
    for index, doctor in enumerate(doctors):
        if doctor.department.code in _UNBOOKED_DEPARTMENTS:
            continue
        fee, capacity = _FEE_AND_CAPACITY[doctor.title]
        clinic = clinics[(doctor.department_id, ClinicKind.GENERAL)]
        if doctor.title in _EXPERT_TITLES:
            clinic = clinics.get((doctor.department_id, ClinicKind.EXPERT), clinic)
        # Every other doctor also works Sunday mornings: clinics run every day (R-APPT-1).
        mornings = range(7) if index % 2 == 0 else range(6)
        weekly = [(weekday, Period.MORNING, _MORNING) for weekday in mornings]
        weekly += [
            (weekday, Period.AFTERNOON, _AFTERNOON) for weekday in (index % 5, (index + 2) % 5)
        ]
        templates += [
            SessionTemplate(
                doctor=doctor,
                clinic=clinic,
                weekday=weekday,
                period=period,
                start_time=start,
                end_time=end,
                slot_minutes=10,
                capacity_per_slot=capacity,
                fee_fen=fee,
                valid_from=today - dt.timedelta(days=TEMPLATE_HISTORY_DAYS),
            )
            for weekday, period, (start, end) in weekly
        ]
    SessionTemplate.objects.bulk_create(templates)
    return sum(
        schedule.generate_sessions(
            institution_id=institution.pk,
            date_from=today,
            date_to=today + dt.timedelta(days=days),
            actor=SYSTEM,
        )
        for institution in institutions.values()
    )


# A day on a ward, priced per day (R-PAY-1's inpatient bills in the demo).
_WARD_ITEMS = (
    ("WARD-BED", "普通病房床位费（每日）", ChargeCategory.BED, 5000),
    ("WARD-NURSING-1", "一级护理（每日）", ChargeCategory.NURSING, 3000),
)
# The blood products a stay may use (R-PAY-6: reimbursed to blood donors and their relatives).
_BLOOD_ITEMS = (
    ("BLOOD-RBC", "悬浮红细胞（每单位）", ChargeCategory.TREATMENT, 22000),
    ("BLOOD-PLASMA", "新鲜冰冻血浆（每100毫升）", ChargeCategory.TREATMENT, 9000),
)


def _create_price_catalogue() -> None:
    fees = sorted({fee for fee, _capacity in _FEE_AND_CAPACITY.values()})
    items = [registration_fee_item(fee) for fee in fees]
    items += [
        CatalogueItem(
            code=exam_price_code(item.code),
            name=item.name,
            kind=ItemKind.EXAM,
            charge_category=(
                ChargeCategory.LABORATORY
                if item.kind == DeviceKind.BLOOD_DRAW
                else ChargeCategory.EXAMINATION
            ),
            insurance_category=InsuranceCategory.B,
            unit_price_fen=_EXAM_PRICES_FEN[item.kind] * (2 if item.sedation else 1),
        )
        for item in exam_catalogue.DEFAULT_ITEMS
    ]
    items += [
        CatalogueItem(
            code=code,
            name=name,
            kind=ItemKind.SERVICE,
            charge_category=category,
            insurance_category=InsuranceCategory.A,
            unit_price_fen=price,
        )
        for code, name, category, price in (*_WARD_ITEMS, *_BLOOD_ITEMS)
    ]
    # The service centre's record copies (issue 21): 10.00 CNY a copy, postage included.
    items.append(
        CatalogueItem(
            code="SVC-MRCOPY",
            name="病历复印费",
            kind=ItemKind.SERVICE,
            charge_category=ChargeCategory.GENERAL_CARE,
            insurance_category=InsuranceCategory.C,
            unit_price_fen=1000,
        )
    )
    CatalogueItem.objects.bulk_create(items)


def _registration_actor(profile: StaffProfile) -> Actor:
    user = profile.user
    return Actor(
        kind=ActorKind.STAFF,
        label=f"{user.get_username()} ({profile.full_name})",
        user=user,
        institution_id=profile.institution_id,
        channel=Channel.SYSTEM,
    )


def _create_patients(
    total: int,
    seed: int,
    staff: dict[str, StaffProfile],
    progress: Callable[[int, int], None] | None,
) -> dict[str, int]:
    # Every institution has exactly one registration-window account.
    windows = {
        account.institution_code: _registration_actor(staff[account.username])
        for account in DEMO_ACCOUNTS
        if account.role == "registration"
    }
    factory = _PatientFactory(seed + 1, clock.today())
    codes = [spec.code for spec in INSTITUTIONS]
    shares = [spec.patient_share for spec in INSTITUTIONS]
    areas = {spec.code: spec.patient_area for spec in INSTITUTIONS}
    registered = dict.fromkeys(codes, 0)
    for done in range(1, total + 1):
        code = factory.rng.choices(codes, weights=shares)[0]
        identity.register_patient(factory.make(areas[code], code), actor=windows[code])
        registered[code] += 1
        if progress is not None:
            progress(done, total)
    return registered
