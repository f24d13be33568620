"""Seed the booking benchmark database (run by hand; see README.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5433/onetrip_bench \
        .venv/bin/python bench/booking/seed.py base
    DATABASE_URL=... .venv/bin/python bench/booking/seed.py scale --pools 1000000

`base` builds a consortium of 10 institutions with 1,000 doctors, their weekly templates and
four weeks of generated sessions from today (1.15 million SlotPool rows), 2,000 patients who
registered themselves on the app (the release-rush crowd), 4,000 patients registered at the
windows (background traffic), the API clients that book for them, and one popular cardiologist
whose session a week ahead has 300 units open to the app. `scale` generates earlier weeks (the
schedule history every live system keeps) until the SlotPool table holds `--pools` rows; `keys`
issues the API keys again. `history` gives the appointment table the past a live system's has
(D357): `--weeks` earlier weeks of sessions, and in `--share` of their times a completed visit
of one of the bench's patients, each pool's counter equal to its visits. The benchmarks' reset
keeps these rows (`common.HISTORY_BOOKED_BY`) and forgets every other booking.

Everything is written through the services (consortium, identity registration, session
generation, API keys) except the weekly templates, which have no service and are bulk-inserted,
and the patients' mobile accounts, which the SMS sign-in would create (created directly here).
`generate_sessions` itself bulk-inserts each session's slots and pools; at about 5 ms a session
it generates the 32,000 sessions (1.15 million slot pools) in under three minutes, so no slot
or pool is inserted behind its back.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HISTORY_BOOKED_BY, load_state, save_state, say, setup_django  # noqa: E402

setup_django()

from django.db import connection  # noqa: E402
from django.db.models import Min  # noqa: E402
from django.utils import timezone  # noqa: E402
from faker import Faker  # noqa: E402

from onetrip.billing.models import (  # noqa: E402
    CatalogueItem,
)
from onetrip.billing.services.sources import registration_fee_item  # noqa: E402
from onetrip.consortium import services as consortium  # noqa: E402
from onetrip.consortium.models import (  # noqa: E402
    Clinic,
    ClinicKind,
    Department,
    Doctor,
    DoctorTitle,
    Institution,
    InstitutionLevel,
)
from onetrip.core import clock  # noqa: E402
from onetrip.core.actors import SYSTEM, Actor, ActorKind, Channel  # noqa: E402
from onetrip.core.masking import mask_phone  # noqa: E402
from onetrip.demo.loader import resident_id_number  # noqa: E402
from onetrip.identity import services as identity  # noqa: E402
from onetrip.identity.documents import DocumentType  # noqa: E402
from onetrip.identity.models import MobileAccount, Patient, Sex  # noqa: E402
from onetrip.scheduling.models import (  # noqa: E402
    ApiClient,
    BookingChannel,
    ClinicSession,
    Period,
    PoolKind,
    SessionTemplate,
    SlotPool,
)
from onetrip.scheduling.services import schedule  # noqa: E402

SEED = 2026
PASSWORD = "bench-only-password-2026"  # staff logins of a throwaway benchmark database
HOSPITAL_DEPARTMENTS = ("IM", "SURG", "PED", "OBGYN", "CARD", "NEUR", "OPH", "ENT", "DERM", "TCM")
TOWNSHIP_DEPARTMENTS = ("IM", "GP", "TCM", "PED", "SURG")
# (code, level, doctors per department, departments); 400 + 3 × 150 + 6 × 25 = 1,000 doctors.
INSTITUTIONS = (
    ("BH-H001", InstitutionLevel.TERTIARY, 40, HOSPITAL_DEPARTMENTS),
    *((f"BH-C00{i}", InstitutionLevel.COUNTY, 15, HOSPITAL_DEPARTMENTS) for i in (1, 2, 3)),
    *((f"BH-T00{i}", InstitutionLevel.TOWNSHIP, 5, TOWNSHIP_DEPARTMENTS) for i in range(1, 7)),
)
RUSH_PATIENTS = 2000
BACKGROUND_PATIENTS = 4000
SCHEDULE_DAYS_AHEAD = 28  # hospitals generate about a month ahead
POPULAR_DAYS_AHEAD = 7  # the popular session: released, but beyond the primary-care return
POPULAR_SLOTS = 25  # 08:00–12:10 in 10-minute slots …
POPULAR_PER_SLOT = 25  # … 625 units, of which the shared online pool holds 48% = 300
REGIONS = ("330902", "330903", "330921", "330102", "330203")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("base", "keys", "scale", "history"))
    parser.add_argument("--pools", type=int, default=1_000_000, help="scale: SlotPool rows")
    parser.add_argument("--weeks", type=int, default=2, help="history: earlier weeks")
    parser.add_argument(
        "--share", type=float, default=0.05, help="history: the share of times with a visit"
    )
    parser.add_argument(
        "--days",
        type=int,
        default=SCHEDULE_DAYS_AHEAD,
        help=f"base: days of sessions from today (at least {POPULAR_DAYS_AHEAD + 1})",
    )
    parser.add_argument(
        "--patients",
        type=int,
        default=RUSH_PATIENTS + BACKGROUND_PATIENTS,
        help="base: patients, a third self-registered on the app, the rest at the windows",
    )
    args = parser.parse_args()
    if args.mode == "base":
        if args.days <= POPULAR_DAYS_AHEAD:
            sys.exit(f"--days must exceed {POPULAR_DAYS_AHEAD}: the popular session is then")
        seed_base(
            days=args.days,
            rush_patients=args.patients // 3,
            background_patients=args.patients - args.patients // 3,
        )
    elif args.mode == "keys":
        state = load_state()
        state["api_clients"] = issue_api_keys(list(Institution.objects.order_by("pk")))
        save_state(state)
        say(f"issued {len(state['api_clients'])} API keys")
    elif args.mode == "history":
        add_history(weeks=args.weeks, share=args.share)
    else:
        scale_to(args.pools)


# --- base -----------------------------------------------------------------------------------


def seed_base(
    *,
    days: int = SCHEDULE_DAYS_AHEAD,
    rush_patients: int = RUSH_PATIENTS,
    background_patients: int = BACKGROUND_PATIENTS,
) -> None:
    """The full seed by default; `--days 10 --patients 600` is a small one (about a third of the
    sessions, a tenth of the patients) that profile_booking.py accepts: it needs a few hundred
    background bookings, not the rush's crowd."""
    if Institution.objects.filter(code="BH-H001").exists():
        sys.exit("Already seeded: drop and re-create the database to seed again.")
    rng = random.Random(SEED)
    fake = Faker("zh_CN")
    fake.seed_instance(SEED)
    today = clock.today()
    started = time.perf_counter()

    institutions, clerks = build_consortium(rng, fake)
    popular = (
        Doctor.objects.filter(department__institution__code="BH-H001", department__code="CARD")
        .order_by("pk")
        .first()
    )
    add_templates(today, popular)
    price_registration_fees()
    say(f"structure: {Doctor.objects.count()} doctors in {time.perf_counter() - started:.0f} s")

    generate(institutions, today, today + dt.timedelta(days=days))

    people = People(rng, fake)
    tick = time.perf_counter()
    rush = [people.register_self() for _ in range(rush_patients)]
    background = [people.register_at(clerks[i % len(clerks)]) for i in range(background_patients)]
    say(
        f"patients: {len(rush)} self-registered + {len(background)} at windows in "
        f"{time.perf_counter() - tick:.0f} s"
    )

    popular_session = ClinicSession.objects.get(
        doctor=popular, date=today + dt.timedelta(days=POPULAR_DAYS_AHEAD)
    )
    online = SlotPool.objects.filter(
        slot__session=popular_session, kind=PoolKind.SHARED_ONLINE
    ).values_list("capacity", flat=True)
    say(f"popular session {popular_session.pk} on {popular_session.date}: {sum(online)} online")

    save_state(
        {
            "seeded_on": today.isoformat(),
            "popular_doctor_id": popular.pk,
            "popular_session_id": popular_session.pk,
            "rush_patient_ids": [p.pk for p in rush],
            "background_patient_ids": [p.pk for p in background],
            "api_clients": issue_api_keys(institutions) if api_keys_available() else [],
            "next_available_department_ids": list(
                Department.objects.filter(code="IM").values_list("pk", flat=True)
            ),
        }
    )
    say(f"base seed done in {time.perf_counter() - started:.0f} s; {count_summary()}")


def build_consortium(rng: random.Random, fake: Faker) -> tuple[list[Institution], list[Actor]]:
    """Institutions, departments, clinics and doctors through the consortium services, plus a
    registration clerk per institution (they register the background patients)."""
    institutions: list[Institution] = []
    clerks: list[Actor] = []
    tertiary = None
    for code, level, per_department, departments in INSTITUTIONS:
        institution = consortium.create_institution(
            code=code,
            name=f"{fake.city_name()}{'人民医院' if level != 'township' else '卫生院'}{code[-1]}",
            level=level,
            parent=tertiary,
            actor=SYSTEM,
        )
        tertiary = tertiary or institution
        institutions.append(institution)
        for dept_code in departments:
            department = consortium.add_department(
                institution, code=dept_code, name=dept_code, actor=SYSTEM
            )
            for kind in (ClinicKind.GENERAL, ClinicKind.EXPERT):
                consortium.add_clinic(
                    department, name=f"{dept_code} {kind}", kind=kind, actor=SYSTEM
                )
            for _ in range(per_department):
                consortium.add_doctor(
                    department,
                    name=fake.name(),
                    title=rng.choice(DoctorTitle.values),
                    actor=SYSTEM,
                )
        profile = consortium.create_staff_account(
            username=f"clerk-{code.lower()}",
            password=PASSWORD,
            full_name=fake.name(),
            institution=institution,
            roles=["registration"],
            actor=SYSTEM,
        )
        clerks.append(
            Actor(
                kind=ActorKind.STAFF,
                label=profile.user.username,
                user=profile.user,
                institution_id=institution.pk,
            )
        )
    return institutions, clerks


def add_templates(today: dt.date, popular: Doctor) -> None:
    """Every doctor: Monday–Friday mornings, hospital doctors also Monday, Wednesday and Friday
    afternoons (10-minute slots, 2 patients each). The popular cardiologist: one long expert
    morning a week, 25 patients per slot. There is no template service: bulk insert."""
    valid_from = today - dt.timedelta(days=400)
    clinics = {(c.department_id, c.kind): c.pk for c in Clinic.objects.all()}
    templates = []
    for doctor in Doctor.objects.select_related("department__institution").exclude(pk=popular.pk):
        clinic = clinics[(doctor.department_id, ClinicKind.GENERAL)]
        hospital = doctor.department.institution.level != InstitutionLevel.TOWNSHIP
        for weekday in range(5):
            templates.append(template(doctor, clinic, weekday, Period.MORNING, valid_from))
            if hospital and weekday in (0, 2, 4):
                templates.append(template(doctor, clinic, weekday, Period.AFTERNOON, valid_from))
    popular_day = today + dt.timedelta(days=POPULAR_DAYS_AHEAD)
    templates.append(
        SessionTemplate(
            doctor=popular,
            clinic_id=clinics[(popular.department_id, ClinicKind.EXPERT)],
            weekday=popular_day.weekday(),
            period=Period.MORNING,
            start_time=dt.time(8, 0),
            end_time=dt.time(12, 10),
            slot_minutes=10,
            capacity_per_slot=POPULAR_PER_SLOT,
            fee_fen=10000,
            valid_from=valid_from,
        )
    )
    SessionTemplate.objects.bulk_create(templates)


def price_registration_fees() -> None:
    """The catalogue's item for each registration fee of the templates: the app takes the fee
    at booking, and a fee without a price is refused (`fee_not_priced`), so without these the
    rush's app users could book nothing."""
    fees = set(SessionTemplate.objects.values_list("fee_fen", flat=True).distinct())
    CatalogueItem.objects.bulk_create(
        [registration_fee_item(fee) for fee in sorted(fees)], ignore_conflicts=True
    )


def template(
    doctor: Doctor, clinic_id: int, weekday: int, period: str, valid_from: dt.date
) -> SessionTemplate:
    start = dt.time(8, 0) if period == Period.MORNING else dt.time(14, 0)
    return SessionTemplate(
        doctor=doctor,
        clinic_id=clinic_id,
        weekday=weekday,
        period=period,
        start_time=start,
        end_time=start.replace(hour=start.hour + 3),
        slot_minutes=10,
        capacity_per_slot=2,
        fee_fen=1000,
        valid_from=valid_from,
    )


def generate(institutions: list[Institution], first: dt.date, last: dt.date) -> None:
    """The real session generator, in chunks of at most 92 days per institution."""
    tick = time.perf_counter()
    made = 0
    for institution in institutions:
        day = first
        while day <= last:
            chunk_end = min(last, day + dt.timedelta(days=91))
            made += schedule.generate_sessions(
                institution_id=institution.pk, date_from=day, date_to=chunk_end, actor=SYSTEM
            )
            day = chunk_end + dt.timedelta(days=1)
    seconds = time.perf_counter() - tick
    say(
        f"generate_sessions {first}..{last}: {made} sessions in {seconds:.0f} s "
        f"({1000 * seconds / max(made, 1):.1f} ms a session)"
    )


class People:
    """Synthetic real-name patients: Chinese names, well-formed resident ID numbers (GB 11643
    check character, birth date and sex encoded), distinct mobile numbers."""

    def __init__(self, rng: random.Random, fake: Faker) -> None:
        self.rng = rng
        self.fake = fake
        self.numbers: set[str] = set()
        self.phones: set[str] = set()
        self.today = clock.today()

    def registration(self, phone: str) -> identity.PatientRegistration:
        sex = self.rng.choice((Sex.MALE, Sex.FEMALE))
        birth = self.today - dt.timedelta(days=self.rng.randint(18 * 366, 85 * 365))
        number = ""
        while not number or number in self.numbers:
            number = resident_id_number(
                self.rng.choice(REGIONS), birth, sex, self.rng.randrange(500)
            )
        self.numbers.add(number)
        name = self.fake.name_male() if sex == Sex.MALE else self.fake.name_female()
        return identity.PatientRegistration(
            name=name,
            sex=sex,
            birth_date=birth,
            phone=phone,
            documents=[identity.DocumentInput(DocumentType.RESIDENT_ID, number)],
        )

    def phone(self) -> str:
        phone = ""
        while not phone or phone in self.phones:
            phone = f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"
        self.phones.add(phone)
        return phone

    def register_self(self) -> Patient:
        """Signed in on the app with a verified number, then registered themself."""
        phone = self.phone()
        now = clock.now()
        account = MobileAccount.objects.create(phone=phone, created_at=now, last_sign_in_at=now)
        actor = Actor(
            kind=ActorKind.PATIENT,
            label=mask_phone(phone),
            account_id=account.pk,
            channel=Channel.API,
        )
        return identity.register_patient(self.registration(phone), actor=actor)

    def register_at(self, clerk: Actor) -> Patient:
        return identity.register_patient(self.registration(self.phone()), actor=clerk)


def api_keys_available() -> bool:
    try:
        import onetrip.scheduling.api_keys  # noqa: F401
    except ImportError:
        say("onetrip.scheduling.api_keys is not there yet: run `seed.py keys` once it is")
        return False
    return True


def issue_api_keys(institutions: list[Institution]) -> list[dict]:
    """One external system per institution, booking for the patients registered there: the
    township clinics' HIS into the primary-care pool, the hospitals' WeChat mini-programs
    through the app channel. The consortium's system administrator issues the keys."""
    from onetrip.scheduling.api_keys import issue_api_key

    tertiary = institutions[0]
    profile = consortium.create_staff_account(
        username=f"admin-{ApiClient.objects.count()}",
        password=PASSWORD,
        full_name="系统管理员",
        institution=tertiary,
        roles=["sysadmin"],
        actor=SYSTEM,
    )
    admin = Actor(
        kind=ActorKind.STAFF,
        label=profile.user.username,
        user=profile.user,
        institution_id=tertiary.pk,
    )
    issued = []
    for institution in institutions:
        if institution.level == InstitutionLevel.TOWNSHIP:
            name, channel = f"{institution.code} HIS", BookingChannel.PRIMARY_CARE
        else:
            name, channel = f"{institution.code} WeChat mini-program", BookingChannel.APP
        client, key = issue_api_key(institution.pk, name, channel, actor=admin)
        issued.append(
            {"id": client.pk, "institution_id": institution.pk, "channel": channel, "key": key}
        )
    return issued


# --- scale ----------------------------------------------------------------------------------


def scale_to(pools: int) -> None:
    """Generate earlier weeks, newest first, until the SlotPool table holds `pools` rows."""
    institutions = list(Institution.objects.order_by("pk"))
    if not institutions:
        sys.exit("Run `seed.py base` first.")
    while SlotPool.objects.count() < pools:
        earliest = ClinicSession.objects.aggregate(first=Min("date"))["first"]
        generate(institutions, earliest - dt.timedelta(days=7), earliest - dt.timedelta(days=1))
        say(count_summary())
    say(f"scale done: {count_summary()}")


def add_history(*, weeks: int, share: float) -> None:
    """Earlier weeks of sessions and their completed visits (D357). A bench whose appointment
    table starts every run empty measures the plans PostgreSQL makes for an empty table, which
    a connection then keeps for the run (`scheduling_book`'s lookups read the table whole until
    autovacuum's next analyze); a live system's table holds its past. Each chosen time's first
    pool with room gets one visit of a patient chosen by the time's rank (never twice in a
    session: a session has fewer times than the bench has patients)."""
    institutions = list(Institution.objects.order_by("pk"))
    if not institutions:
        sys.exit("Run `seed.py base` first.")
    earliest = ClinicSession.objects.aggregate(first=Min("date"))["first"]
    generate(institutions, earliest - dt.timedelta(days=7 * weeks), earliest - dt.timedelta(days=1))
    tick = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH times AS (
                SELECT DISTINCT ON (s.id) s.id AS slot_id, p.id AS pool_id, cs.id AS session_id,
                       cs.department_id, cs.date, s.starts_at
                  FROM scheduling_slot s
                  JOIN scheduling_clinicsession cs ON cs.id = s.session_id
                  JOIN scheduling_slotpool p ON p.slot_id = s.id AND p.capacity > p.booked
                 WHERE cs.date < %(earliest)s AND random() < %(share)s
                 ORDER BY s.id, p.id
            ), patients AS (
                SELECT id, row_number() OVER (ORDER BY id) - 1 AS rank FROM identity_patient
            ), visits AS (
                INSERT INTO scheduling_appointment (
                    patient_id, slot_id, pool_id, session_id, department_id, visit_date, channel,
                    status, booked_at, booked_by, idempotency_scope, idempotency_key,
                    is_walk_in, priority, no_show_exempt_reason)
                SELECT pt.id, t.slot_id, t.pool_id, t.session_id, t.department_id, t.date,
                       'window', 'completed', t.starts_at - interval '3 days', %(by)s, '', '',
                       false, 0, ''
                  FROM (SELECT t.*, row_number() OVER (ORDER BY t.slot_id) - 1 AS rank
                          FROM times t) t
                  JOIN patients pt ON pt.rank = t.rank %% (SELECT count(*) FROM patients)
                RETURNING pool_id
            )
            UPDATE scheduling_slotpool p SET booked = p.booked + 1
              FROM visits v WHERE p.id = v.pool_id
            """,
            {"earliest": earliest, "share": share, "by": HISTORY_BOOKED_BY},
        )
        made = cursor.rowcount
        cursor.execute("VACUUM (ANALYZE) scheduling_appointment")
        cursor.execute("VACUUM (ANALYZE) scheduling_slotpool")
    say(
        f"history: {made} completed visits in {time.perf_counter() - tick:.0f} s; {count_summary()}"
    )


def count_summary() -> str:
    now = timezone.now()
    return (
        f"{ClinicSession.objects.count()} sessions, {SlotPool.objects.count()} slot pools "
        f"({SlotPool.objects.filter(starts_at__gt=now).count()} in the future), "
        f"{Patient.objects.count()} patients"
    )


if __name__ == "__main__":
    main()
