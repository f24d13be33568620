"""Every page, rendered in Simplified Chinese over the demo data, shows no untranslated text.

What counts as untranslated (issue 15 item 8): two or more English words in a row in what the
reader sees (text, button values, placeholders, labels for screen readers), an internal code
(`visit.called`, `BLOOD_FASTING`) on a page, or an ASCII colon straight after Chinese text. Single
Latin words are allowed (OneTrip, CT, PDF, a doctor's English name would be data). The page list
is checked against the URL configuration, so a new page fails here until it is listed.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.client import RedirectCycleError
from django.urls import get_resolver, reverse
from django.utils import timezone

from onetrip.billing.models import Bill, PaymentChannel, SettlementMode
from onetrip.billing.services import outstanding, settlements
from onetrip.conftest import NOW, actor_for
from onetrip.consortium.models import Institution, StaffProfile
from onetrip.core.actors import Actor, ActorKind
from onetrip.demo import publichealth as publichealth_demo
from onetrip.demo.loader import TERTIARY_CODE, load_demo
from onetrip.ebills.models import EBill
from onetrip.emergency.models import Run
from onetrip.exams.models import ExamOrder, ExamPlan
from onetrip.identity import services as identity
from onetrip.identity.models import MobileAccount, Patient, ProxyGrant
from onetrip.insurance import claims
from onetrip.mpi.models import MatchCandidate
from onetrip.publichealth.models import (
    ChildCheck,
    HomeVisit,
    Pregnancy,
    VaccineLot,
    VideoConsultation,
)
from onetrip.publichealth.services import births, vaccination
from onetrip.referral.models import ConsultationRequest, Referral
from onetrip.referral.services import referrals
from onetrip.reports.models import Report
from onetrip.reports.verification import verification_token
from onetrip.scheduling import kiosk_views
from onetrip.scheduling.api_keys import issue_api_key
from onetrip.scheduling.models import Appointment, ClinicSession, SessionStatus
from onetrip.scheduling.services import booking
from onetrip.service.models import Certificate, FoundItem, HelpRequest, Loan
from onetrip.service.services import certificates, complaints, errands, record_copies
from onetrip.web.links import bill_link
from onetrip.web.sessions import SESSION_KEY

pytestmark = pytest.mark.django_db

# Reached only by POST, as files, or by machines: nothing for a reader to see.
NOT_PAGES = {
    "patient-sign-out",
    "patient-add-document",
    "patient-revoke-proxy",
    "patient-appointment-cancel",
    "patient-join-waitlist",
    "patient-leave-waitlist",
    "staff-logout",
    "staff-add-document",
    "clinic-stop",
    "clinic-substitute",
    "clinic-call-next",
    "clinic-check-in",
    "clinic-start-consultation",
    "mpi-decide-pair",
    "reports-acknowledge",
    "reports-attach",
    "reports-replay",
    "patient-report-pdf",
    "staff-report-pdf",
    "patient-ebill-pdf",
    "reports-recognition",  # an htmx fragment of the order form, shown within exams' pages
    "set_language",
    "patient-face-check",
    "referral-accept",
    "referral-redirect",
    "referral-green-channel",
    "referral-book-follow-up",
    "referral-offer-contract",
    "patient-sign-contract",
    "service-complaint-route",
    "service-complaint-respond",
    "service-complaint-close",
    "service-patient-rate",
    "service-copy-prepare",
    "service-patient-copy-pdf",
    "service-ticket-done",
    "service-ticket-refuse",
    "service-certificate-stamp",
    "service-certificate-refuse",
    "service-certificate-pdf",
    "service-patient-certificate-pdf",
    "service-lend",
    "service-loan-hand-over",
    "service-loan-return",
    "service-loan-cancel",
    "service-found-claim",
    "service-shift-sign-in",
    "service-help-assign",
    "service-help-close",
    "prescribing-approve",
    "prescribing-return",
    "prescribing-staff-send",
    "prescribing-staff-close",
    "prescribing-staff-picture",
    "prescribing-patient-send",
    "prescribing-patient-picture",
    "pharmacy-ready",
    "pharmacy-call",
    "pharmacy-hand-over",
    "pharmacy-decoct",
    "pharmacy-dispatch",
    "pharmacy-confirm",
    "pharmacy-patient-arrived",
    "pharmacy-patient-delivery",
    "publichealth-visit-screen",
    "publichealth-visit-give",
    "publichealth-dose-observed",
    "publichealth-aefi",
    "publichealth-aefi-follow-up",
    "publichealth-recall",
    "publichealth-hut-follow-up",
    "publichealth-hut-aed",
    *(
        f"inpatient-{step}"
        for step in (
            "book",
            "ready",
            "admit",
            "deposit",
            "transfer",
            "assess",
            "discharge",
            "follow-up",
            "cancel",
            "pathway",
            "variance",
            "pathway-exit",
            "mdt",
            "mdt-answer",
            "list-pdf",
            "summary-pdf",
            "pre-admission",
            "blood-donor",
        )
    ),
    "emergency-take-call",
    "emergency-dispatch-call",
    "emergency-cancel",
    "emergency-moment",
    "emergency-destination",
    "emergency-identify",
    "emergency-unknown",
    "emergency-vitals",
    "emergency-ecg",
    "emergency-activate",
    "emergency-milestone",
    "emergency-fee",
    "emergency-ecg-image",  # the ECG picture itself
}
# Every page is listed below; none is left uncovered.
NOT_YET_COVERED: set[str] = set()
# The kiosk's pages, opened by a kiosk signed in with its key, a patient identified, a booking made.
KIOSK = {"kiosk-home", "kiosk-book", "kiosk-slip"}
# Pages for anyone, signed in or not.
PUBLIC = {
    "home",
    "patient-sign-in",
    "staff-login",
    "ebill-verify",
    "report-verify",
    "service-certificate-verify",
}
# Staff accounts tried in turn for a staff page until one may open it.
STAFF_ORDER = ("registration", "nurse", "doctor", "finance", "quality", "service_centre")
STAFF_MORE = (
    "exam_centre",
    "auditor",
    "sysadmin",
    "admission",
    "referral",
    "complaints",
    "township_doctor",
    "pharmacist",
    "vaccinator",
    "maternal_child",
    "island_doctor",
    "community_nurse",
    "dispatcher",
    "ambulance_crew",
    "emergency_department",
)
# Pages of a referred patient, opened by an account holding that patient's record.
REFERRED = {"patient-referral"}

ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z]+(?:[ \-'][A-Za-z][a-z]+)+\b")
INTERNAL_CODE = re.compile(r"\b[a-z]+\.[a-z_]+\b|\b[A-Z]{2,}_[A-Z_]+\b")
ASCII_COLON = re.compile(r"[\u4e00-\u9fff]:")
SHOWN_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")


class _Visible(HTMLParser):
    """The text a reader meets: data outside script/style, button and submit values, and the
    attributes browsers show or read aloud."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden: list[str] = []  # the open elements whose text is not checked

    def handle_starttag(self, tag, attrs):
        # Scripts, styles and drawings are not read; nor is text the system recorded in English
        # and marks so (`lang="en"`: an audit summary no translated pattern matches, D104).
        if tag in ("script", "style", "svg") or dict(attrs).get("lang") == "en":
            self._hidden.append(tag)
        values = dict(attrs)
        for name in SHOWN_ATTRIBUTES:
            if values.get(name):
                self.parts.append(values[name])
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"])

    def handle_endtag(self, tag):
        if self._hidden and tag == self._hidden[-1]:
            self._hidden.pop()

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def untranslated(page: str) -> list[str]:
    parser = _Visible()
    parser.feed(page)
    found = []
    for text in parser.parts:
        text = html.unescape(text)
        found += [f"English {m!r} in {text[:80]!r}" for m in ENGLISH_RUN.findall(text)]
        found += [f"code {m!r} in {text[:80]!r}" for m in INTERNAL_CODE.findall(text)]
        found += [f"ASCII colon in {text[:80]!r}" for m in ASCII_COLON.findall(text)]
    return found


def test_the_checker_finds_english_codes_and_ascii_colons():
    assert untranslated("<p>预约成功</p><button>确认</button>") == []
    assert untranslated("<p>Pay now</p>")
    assert untranslated("<td>visit.called</td>")
    assert untranslated("<td>BLOOD_FASTING</td>")
    assert untranslated("<p>结算方式: 手机</p>")
    assert untranslated('<input placeholder="Search by name">')
    assert untranslated("<script>var Pay now</script><p>OneTrip 一次</p>") == []
    assert untranslated('<td lang="en">appointment booked</td><td>已预约</td>') == []


def _page_names() -> set[str]:
    names: set[str] = set()

    def walk(resolver, prefix: str) -> None:
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                if not route.startswith(("api/", "admin/", "fhir/", "i18n/")):
                    walk(pattern, route)
            elif pattern.name and not route.startswith("fhir/"):
                names.add(pattern.name)

    walk(get_resolver(), "")
    return names - NOT_PAGES


@pytest.fixture
def world(clock, settings, django_capture_on_commit_callbacks):
    """The demo, a signed-in patient with a report, a booking, a paid and an unpaid bill."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo(patients=40, schedule_days=2)
    report = (
        Report.objects.filter(
            patient__documents__doc_type="resident_id",
            patient__documents__is_guardian_document=False,
        )
        .order_by("pk")
        .first()
    )
    patient = report.patient
    account = MobileAccount.objects.create(phone=patient.phone, created_at=NOW)
    ProxyGrant.objects.create(
        patient=patient,
        account=account,
        relationship="self",
        basis="own_record",
        granted_at=NOW,
        granted_by="test",
    )
    actor = Actor(kind=ActorKind.PATIENT, label="test", account_id=account.pk)
    tertiary = Institution.objects.get(code=TERTIARY_CODE)
    session = (
        ClinicSession.objects.filter(
            institution=tertiary, status=SessionStatus.OPEN, date__gt=NOW.date(), fee_fen__gt=0
        )
        .order_by("starts_at")
        .first()
    )
    slots = list(session.slots.order_by("starts_at")[:2])
    paid = booking.book_slot(
        booking.BookingRequest(patient_id=patient.pk, slot_id=slots[0].pk, channel="app"),
        actor=actor,
    )
    cashier = actor_for(StaffProfile.objects.get(user__username="finance"))
    with django_capture_on_commit_callbacks(execute=True):
        settlements.settle_bill(
            settlements.SettlementRequest(
                bill_id=booking.registration_fee(paid).bill.pk,
                mode=SettlementMode.WINDOW,
                channel=PaymentChannel.CASH,
            ),
            actor=cashier,
        )
    other = (
        ClinicSession.objects.filter(department=session.department, fee_fen=session.fee_fen)
        .exclude(pk=session.pk)
        .exclude(doctor=session.doctor, date=session.date)
        .first()
    )
    unpaid = booking.book_slot(
        booking.BookingRequest(
            patient_id=patient.pk,
            slot_id=(other or session).slots.order_by("-starts_at").first().pk,
            channel="app",
        ),
        actor=actor,
    )
    started = outstanding.pay_on_phone(
        bill_id=booking.registration_fee(unpaid).bill.pk,
        channel=PaymentChannel.WECHAT,
        actor=actor,
    )
    referral = Referral.objects.filter(direction="up").order_by("pk").first()
    if referral is None:  # a two-day demo calendar has no primary-care times left: an exam
        family_doctor = actor_for(StaffProfile.objects.get(user__username="township_doctor"))
        identity.affiliate_for_referral(patient.pk, family_doctor.institution_id)
        referral = referrals.refer_up(
            referrals.UpwardReferral(
                patient_id=patient.pk,
                department_id=session.department_id,
                reason="反复头痛两周",
                diagnosis="头痛待查",
                exam_item_code="CT_HEAD",
                record_shared=True,
            ),
            actor=family_doctor,
        )
    settlements.issue_due_ebills(batch=10_000)  # the e-bill worker (D245)
    referred_account = account
    if referral.patient_id != patient.pk:
        referred_account = MobileAccount.objects.create(
            phone=referral.patient.phone or "13800000000", created_at=NOW
        )
        ProxyGrant.objects.create(
            patient=referral.patient,
            account=referred_account,
            relationship="self",
            basis="own_record",
            granted_at=NOW,
            granted_by="test",
        )
    return {
        "referral": referral,
        "referred_account": referred_account,
        "face_url": identity.start_face_check(
            patient.pk, purpose="registration", redirect_url="/p/", actor=actor
        ),
        "patient": patient,
        "account": account,
        "report": report,
        "session": session,
        "slot": slots[1],
        "appointment": paid,
        "cashier_url": started.payment.cashier_url,
        "unpaid_bill": Bill.objects.get(pk=booking.registration_fee(unpaid).bill.pk),
    }


def _urls(world) -> dict[str, str]:
    patient, session = world["patient"], world["session"]
    ebill = EBill.objects.filter(patient=patient).order_by("pk").first()  # the kiosk's patient
    plan = ExamPlan.objects.order_by("pk").first()
    candidate = MatchCandidate.objects.order_by("pk").first()
    order = ExamOrder.objects.filter(patient=patient).first()
    some_report = world["report"]
    referral = world["referral"]
    consultation = ConsultationRequest.objects.order_by("pk").first()
    urls = {
        "home": reverse("home"),
        "patient-sign-in": reverse("patient-sign-in"),
        "patient-home": reverse("patient-home"),
        "patient-register": reverse("patient-register"),
        "patient-health-card": reverse("patient-health-card"),
        "patient-grant-proxy": reverse("patient-grant-proxy", args=[patient.pk]),
        "patient-book": reverse("patient-book"),
        "patient-book-search": reverse("patient-book-search") + "?q=z",
        "report-verify": reverse("report-verify", args=[verification_token(some_report)]),
        "patient-book-institution": reverse(
            "patient-book-institution", args=[session.institution_id]
        ),
        "patient-book-department": reverse("patient-book-department", args=[session.department_id]),
        "patient-book-doctor": reverse("patient-book-doctor", args=[session.doctor_id]),
        "patient-book-session": reverse("patient-book-session", args=[session.pk]),
        "patient-book-confirm": reverse("patient-book-confirm", args=[world["slot"].pk]),
        "patient-appointments": reverse("patient-appointments"),
        "patient-appointment": reverse("patient-appointment", args=[world["appointment"].pk]),
        "patient-appointment-queue": reverse(
            "patient-appointment-queue", args=[world["appointment"].pk]
        ),
        "patient-appointment-reschedule": reverse(
            "patient-appointment-reschedule", args=[world["appointment"].pk]
        ),
        "patient-messages": reverse("patient-messages"),
        "patient-notification-preferences": reverse("patient-notification-preferences"),
        "exams-patient": reverse("exams-patient"),
        "patient-reports": reverse("patient-reports"),
        "patient-report": reverse("patient-report", args=[some_report.pk]),
        "patient-payments": reverse("patient-payments"),
        "billing-bill": bill_link(world["unpaid_bill"]),
        "billing-kiosk-bill": bill_link(world["unpaid_bill"], place="kiosk"),
        "billing-sandbox-wechat-cashier": world["cashier_url"],
        "identity-sandbox-faceid": world["face_url"],
        "patient-ebills": reverse("patient-ebills"),
        "patient-today": reverse("patient-today"),
        "ebill-verify": reverse("ebill-verify"),
        "staff-login": reverse("staff-login"),
        "staff-home": reverse("staff-home"),
        "staff-patient-search": reverse("staff-patient-search") + f"?q={patient.name}",
        "staff-patient-register": reverse("staff-patient-register"),
        "staff-patient-detail": reverse("staff-patient-detail", args=[patient.pk]),
        "staff-patient-journey": reverse("staff-patient-journey", args=[patient.pk]),
        "staff-window-booking": reverse("staff-window-booking"),
        "staff-return-visit": reverse("staff-return-visit"),
        "staff-booking-slip": reverse("staff-booking-slip", args=[world["appointment"].pk]),
        "staff-audit": reverse("staff-audit"),
        "sms-sandbox": reverse("sms-sandbox"),
        "clinic-console": reverse("clinic-console"),
        "clinic-today": reverse("clinic-today"),
        "clinic-screen": reverse("clinic-screen", args=[session.pk]),
        "clinic-desk": reverse("clinic-desk", args=[session.pk]),
        "mpi-review-queue": reverse("mpi-review-queue"),
        "mpi-source-records": reverse("mpi-source-records") + "?system=LIS-2015&record_id=L77",
        "exams-staff-console": reverse("exams-staff-console"),
        "exams-staff-plan": reverse("exams-staff-plan", args=[patient.pk]),
        "exams-staff-today": reverse("exams-staff-today"),
        "staff-patient-reports": reverse("staff-patient-reports", args=[patient.pk]),
        "staff-report": reverse("staff-report", args=[some_report.pk]),
        "reports-critical": reverse("reports-critical"),
        "reports-inbox": reverse("reports-inbox"),
        "billing-desk": reverse("billing-desk") + f"?visit={world['unpaid_bill'].visit_reference}",
        "metrics-dashboard": reverse("metrics-dashboard"),
        "metrics-returns": reverse("metrics-returns"),
        "patient-claim": reverse("patient-claim"),
        "patient-referrals": reverse("patient-referrals"),
        "patient-record": reverse("patient-record", args=[patient.pk]),
        "referral-worklist": reverse("referral-worklist"),
        "referral-office": reverse("referral-office"),
        "staff-outcomes": reverse("staff-outcomes"),
        "metrics-detail": reverse("metrics-detail", args=["queue_minutes"]),
        "metrics-records": reverse("metrics-records", args=["queue_minutes"]),
        "patient-claim-code": reverse("patient-claim-code"),
        "patient-referral": reverse("patient-referral", args=[referral.pk]),
        "referral-detail": reverse("referral-detail", args=[referral.pk]),
        "referral-new-up": reverse("referral-new-up", args=[referral.patient_id]),
        "referral-new-down": reverse("referral-new-down", args=[patient.pk]),
        "referral-record": reverse("referral-record", args=[referral.patient_id]),
        "referral-new-consultation": reverse(
            "referral-new-consultation", args=[referral.patient_id]
        ),
        "kiosk-home": reverse("kiosk-home"),
        "kiosk-book": reverse("kiosk-book") + f"?department={session.department_id}",
        "kiosk-slip": reverse("kiosk-slip"),
    }
    if ebill is not None:
        urls["patient-ebill"] = reverse("patient-ebill", args=[ebill.pk])
        urls["kiosk-ebill-print"] = reverse("kiosk-ebill-print", args=[ebill.pk])
    urls |= _insurance_urls(world)
    urls |= _service_urls(world)
    urls |= _pharmacy_urls(world)
    urls |= _inpatient_urls(world)
    urls |= _emergency_urls()
    if plan is not None:
        urls["exams-staff-booked-plan"] = reverse("exams-staff-booked-plan", args=[plan.pk])
    # The phone's plan page is the patient's own plan (the demo's pre-admission visits are
    # other patients' plans).
    own_plan = ExamPlan.objects.filter(patient=patient).order_by("pk").first()
    if own_plan is not None:
        urls["exams-patient-plan"] = reverse("exams-patient-plan", args=[own_plan.pk])
    if order is not None:
        urls["exams-patient-propose"] = reverse("exams-patient-propose", args=[patient.pk])
    if consultation is not None:
        urls["referral-consultation"] = reverse("referral-consultation", args=[consultation.pk])
    if candidate is not None:
        urls["mpi-review-pair"] = reverse("mpi-review-pair", args=[candidate.pk])
    return urls


def _insurance_urls(world) -> dict[str, str]:
    """R-PAY-8: the policies page, the claims and a claim on the patient's paid bill."""
    urls = {
        "patient-insurance": reverse("patient-insurance"),
        "patient-offsite-claims": reverse("patient-offsite-claims"),
        "patient-offsite-claim-new": reverse("patient-offsite-claim-new"),
        "insurance-claims-desk": reverse("insurance-claims-desk"),
    }
    ebill = EBill.objects.filter(patient=world["patient"], kind="normal").first()
    if ebill is not None:
        claim = claims.submit_claim(
            ebill_ids=[ebill.pk],
            insured_area="310000",
            payee_account="6222020200112233445",
            actor=Actor(kind=ActorKind.PATIENT, label="test", account_id=world["account"].pk),
        )
        urls["patient-offsite-claim"] = reverse("patient-offsite-claim", args=[claim.pk])
        urls["insurance-claim"] = reverse("insurance-claim", args=[claim.pk])
    return urls


def _emergency_urls() -> dict[str, str]:
    """R-EMG-1/2: the demo's dispatch board, the crew's run on its way and the hospital's
    board with the STEMI run's timeline."""
    on_the_way = Run.objects.filter(closed=False).order_by("pk").first()
    handed_over = Run.objects.filter(at_hospital_at__isnull=False).order_by("pk").first()
    return {
        "emergency-dispatch": reverse("emergency-dispatch"),
        "emergency-crew": reverse("emergency-crew"),
        "emergency-arrivals": reverse("emergency-arrivals"),
        "emergency-run": reverse("emergency-run", args=[on_the_way.pk]),
        "emergency-arrival": reverse("emergency-arrival", args=[handed_over.pk]),
    }


def _service_urls(world) -> dict[str, str]:
    """R-SVC-2: the patient's service centre and a complaint filed on the phone."""
    complaint = complaints.file_complaint(
        complaints.ComplaintIn(
            kind="complaint",
            cause="waiting",
            severity="medium",
            description="候诊时间过长",
            institution_id=Institution.objects.get(code=TERTIARY_CODE).pk,
            patient_id=world["patient"].pk,
        ),
        actor=Actor(kind=ActorKind.PATIENT, label="test", account_id=world["account"].pk),
    )
    copy = record_copies.apply(
        record_copies.CopyIn(
            patient_id=world["patient"].pk,
            institution_id=complaint.institution_id,
            visit_description="2026年3月内科住院",
            purpose="personal",
            copies=1,
            delivery="pdf",
        ),
        actor=Actor(kind=ActorKind.PATIENT, label="test", account_id=world["account"].pk),
    )
    ticket = errands.open_ticket(
        errands.TicketIn(errand="certificate_stamp", contact_name="张伟"),
        actor=actor_for(StaffProfile.objects.get(user__username="service_centre")),
    )
    return {
        "service-window": reverse("service-window"),
        "service-ticket": reverse("service-ticket", args=[ticket.pk]),
        "service-patient-apply": reverse("service-patient-apply"),
        "service-patient-copy": reverse("service-patient-copy", args=[copy.pk]),
        "service-copies": reverse("service-copies"),
        "service-copy": reverse("service-copy", args=[copy.pk]),
        "service-patient-home": reverse("service-patient-home"),
        "service-patient-file": reverse("service-patient-file"),
        "service-patient-complaint": reverse("service-patient-complaint", args=[complaint.pk]),
        "service-complaints": reverse("service-complaints"),
        "service-complaint-new": reverse("service-complaint-new"),
        "service-complaint": reverse("service-complaint", args=[complaint.pk]),
    } | _service_desk_urls(world, complaint.institution_id)


def _service_desk_urls(world, institution_id: int) -> dict[str, str]:
    """Issue 21: an errand opened on the phone, and the desks behind the window over the demo's
    certificates, loans, found items and requests for help."""
    errand = errands.open_on_phone(
        "sick_leave",
        patient_id=world["patient"].pk,
        institution_id=institution_id,
        details="",
        actor=Actor(kind=ActorKind.PATIENT, label="test", account_id=world["account"].pk),
    )
    stamped = Certificate.objects.filter(status="stamped").order_by("pk").first()
    token = certificates.verification_token(stamped)
    return {
        "service-patient-errand-new": reverse("service-patient-errand-new"),
        "service-patient-errand": reverse("service-patient-errand", args=[errand.pk]),
        "service-certificates": reverse("service-certificates"),
        "service-certificate": reverse("service-certificate", args=[stamped.pk]),
        "service-certificate-verify": reverse("service-certificate-verify", args=[token]),
        "service-lending": reverse("service-lending"),
        "service-loan": reverse("service-loan", args=[Loan.objects.order_by("pk").first().pk]),
        "service-found": reverse("service-found"),
        "service-found-item": reverse(
            "service-found-item", args=[FoundItem.objects.order_by("pk").first().pk]
        ),
        "service-volunteers": reverse("service-volunteers"),
        "service-help": reverse(
            "service-help", args=[HelpRequest.objects.order_by("pk").first().pk]
        ),
    } | _publichealth_urls(world)


def _publichealth_urls(world) -> dict[str, str]:
    """The vaccination desk over the demo's family; the signed-in patient vaccinated, and a
    birth applied for by an account the demo mother granted."""
    nurse = actor_for(StaffProfile.objects.get(user__username="vaccinator"))
    patient_actor = Actor(kind=ActorKind.PATIENT, label="test", account_id=world["account"].pk)
    slot = vaccination.open_times(now=NOW)[0]
    visit = vaccination.book_vaccination(
        patient_id=world["patient"].pk,
        product_code="HepB",
        dose_number=1,
        slot_id=slot.slot_id,
        actor=patient_actor,
    )
    vaccination.screen(
        visit.pk,
        answers=dict.fromkeys(vaccination.SCREENING_QUESTIONS, False),
        consent_by=world["patient"].name,
        actor=nurse,
    )
    lot = VaccineLot.objects.filter(product__code="HepB").order_by("pk").first()
    package = lot.trace_codes.filter(doses_used=0).order_by("pk").first()
    dose = vaccination.give_dose(
        visit.pk, trace_code=package.code, site="left_deltoid", actor=nurse
    )
    mother = (
        Patient.objects.filter(phone=publichealth_demo.DEMO_MOTHER_PHONE, sex="female")
        .order_by("birth_date")
        .first()
    )
    ProxyGrant.objects.create(
        patient=mother,
        account=world["account"],
        relationship="spouse",
        basis="written_consent",
        granted_at=NOW,
        granted_by="test",
    )
    application = births.apply_for_birth(
        births.BirthIn(
            mother_id=mother.pk,
            institution_id=lot.institution_id,
            child_name="林小满",
            child_sex="male",
            born_at=NOW - dt.timedelta(days=1),
            weight_grams=3300,
            father_name="林海",
        ),
        actor=patient_actor,
    )
    return {
        "publichealth-desk": reverse("publichealth-desk"),
        "publichealth-stock": reverse("publichealth-stock"),
        "publichealth-visit": reverse("publichealth-visit", args=[visit.pk]),
        "publichealth-lot": reverse("publichealth-lot", args=[lot.pk]),
        "publichealth-person": reverse("publichealth-person", args=[mother.pk]),
        "publichealth-births": reverse("publichealth-births"),
        "publichealth-huts": reverse("publichealth-huts"),
        "publichealth-home-care": reverse("publichealth-home-care"),
        "publichealth-home-visit": reverse(
            "publichealth-home-visit",
            args=[HomeVisit.objects.filter(done_at__isnull=True).order_by("pk").first().pk],
        ),
        "publichealth-patient-home": reverse("publichealth-patient-home"),
        "publichealth-patient-book": reverse("publichealth-patient-book"),
        "publichealth-patient-visit": reverse("publichealth-patient-visit", args=[visit.pk]),
        "publichealth-patient-dose": reverse("publichealth-patient-dose", args=[dose.pk]),
        "publichealth-patient-birth-new": reverse("publichealth-patient-birth-new"),
        "publichealth-patient-birth": reverse("publichealth-patient-birth", args=[application.pk]),
    } | _mother_and_child_urls(world, mother)


def _mother_and_child_urls(world, mother) -> dict[str, str]:
    """The demo's pregnancy, the demo baby's checks and the mother's video request, opened by the
    signed-in account once the pregnant woman and the baby grant it too."""
    pregnancy = Pregnancy.objects.order_by("pk").first()
    baby = ChildCheck.objects.order_by("pk").first().patient
    for patient in (pregnancy.patient, baby):
        ProxyGrant.objects.create(
            patient=patient,
            account=world["account"],
            relationship="spouse" if patient == pregnancy.patient else "parent",
            basis="written_consent",
            granted_at=NOW,
            granted_by="test",
        )
    consultation = VideoConsultation.objects.filter(patient=mother).order_by("pk").first()
    return {
        "publichealth-mch-desk": reverse("publichealth-mch-desk"),
        "publichealth-mch-pregnancy": reverse("publichealth-mch-pregnancy", args=[pregnancy.pk]),
        "publichealth-mch-child": reverse("publichealth-mch-child", args=[baby.pk]),
        "publichealth-videos": reverse("publichealth-videos"),
        "publichealth-video": reverse("publichealth-video", args=[consultation.pk]),
        "publichealth-patient-mch": reverse("publichealth-patient-mch"),
        "publichealth-patient-pregnancy": reverse(
            "publichealth-patient-pregnancy", args=[pregnancy.pk]
        ),
        "publichealth-patient-child": reverse("publichealth-patient-child", args=[baby.pk]),
        "publichealth-patient-videos": reverse("publichealth-patient-videos"),
        "publichealth-patient-video": reverse("publichealth-patient-video", args=[consultation.pk]),
        "publichealth-patient-home-care": reverse("publichealth-patient-home-care"),
    }


def _pharmacy_urls(world) -> dict[str, str]:
    """Issue 20: the doctor's desk and online visits, the pharmacist's review and queue, the
    patient's medicines and online follow-ups (a visit when the demo has an online time free)."""
    from onetrip.prescribing.services import online, prescriptions
    from onetrip.prescribing.tests.conftest import pay_on_phone

    doctor = actor_for(StaffProfile.objects.get(user__username="doctor"))
    patient_actor = Actor(kind=ActorKind.PATIENT, label="test", account_id=world["account"].pk)
    written = prescriptions.write_prescription(
        prescriptions.PrescriptionIn(
            patient_id=world["patient"].pk,
            condition_code="I10",
            condition_name="原发性高血压",
            days=7,
            lines=[prescriptions.LineIn("DR-AML", "5", 1, "oral", 1)],
        ),
        actor=doctor,
    )
    prescriptions.approve(
        written.pk, actor=actor_for(StaffProfile.objects.get(user__username="pharmacist"))
    )
    pay_on_phone(written, patient_actor)
    diagnosis = written.diagnosis
    urls = {
        "prescribing-desk": reverse("prescribing-desk"),
        "prescribing-review": reverse("prescribing-review"),
        "prescribing-prescription": reverse("prescribing-prescription", args=[written.pk]),
        "prescribing-staff-visits": reverse("prescribing-staff-visits"),
        "prescribing-patient-visits": reverse("prescribing-patient-visits"),
        "prescribing-patient-book": reverse("prescribing-patient-book", args=[diagnosis.pk]),
        "pharmacy-queue": reverse("pharmacy-queue"),
        "pharmacy-screen": reverse("pharmacy-screen"),
        "pharmacy-patient-home": reverse("pharmacy-patient-home"),
        "pharmacy-patient-prescription": reverse(
            "pharmacy-patient-prescription", args=[written.pk]
        ),
    }
    # Not on a day the patient already has a booking (one a day in a department).
    booked = {
        timezone.localtime(at).date()
        for at in Appointment.objects.filter(patient=world["patient"]).values_list(
            "slot__starts_at", flat=True
        )
    }
    slots = [
        s
        for s in online.free_slots(diagnosis, limit=60)
        if timezone.localtime(s.starts_at).date() not in booked
    ]
    if slots:
        visit = online.book_online_visit(diagnosis.pk, slots[0].slot_id, actor=patient_actor)
        online.send_message(visit.pk, text="血压145/90", actor=patient_actor)
        urls["prescribing-staff-visit"] = reverse("prescribing-staff-visit", args=[visit.pk])
        urls["prescribing-patient-visit"] = reverse("prescribing-patient-visit", args=[visit.pk])
    return urls


def _inpatient_urls(world) -> dict[str, str]:
    """Issue 25: the centre, the bed board, the doctor's notice, an admission on the ward (from
    the demo) and the patient's own notice on the phone."""
    from onetrip.inpatient import services as inpatient
    from onetrip.inpatient.models import Admission

    notice = inpatient.issue_notice(
        inpatient.NoticeIn(
            patient_id=world["patient"].pk,
            diagnosis="腹股沟疝",
            planned_procedure="疝修补术",
            urgency="elective",
            expected_los_days=3,
        ),
        actor=actor_for(StaffProfile.objects.get(user__username="doctor")),
    )
    on_ward = Admission.objects.filter(status="admitted").order_by("pk").first() or notice
    return {
        "inpatient-centre": reverse("inpatient-centre"),
        "inpatient-beds": reverse("inpatient-beds"),
        "inpatient-plan": reverse("inpatient-plan"),
        "inpatient-notice-new": reverse("inpatient-notice-new"),
        "inpatient-admission": reverse("inpatient-admission", args=[on_ward.pk]),
        "inpatient-patient-home": reverse("inpatient-patient-home"),
        "inpatient-patient-admission": reverse("inpatient-patient-admission", args=[notice.pk]),
    }


def _patient_client(account: MobileAccount) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    session = client.session
    session[SESSION_KEY] = account.pk
    session.save()
    return client


def _kiosk_client(world) -> Client:
    admin = actor_for(StaffProfile.objects.get(user__username="sysadmin"))
    institution_id = world["session"].institution_id
    kiosk, _key = issue_api_key(institution_id, "门诊大厅自助机", "kiosk", actor=admin)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    session = client.session
    session[kiosk_views.DEVICE_KEY] = kiosk.pk
    session[kiosk_views.PATIENT_KEY] = world["patient"].pk
    session[kiosk_views.BOOKED_KEY] = world["appointment"].pk
    session.save()
    return client


def _staff_clients() -> list[Client]:
    clients = []
    for username in STAFF_ORDER + STAFF_MORE:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(get_user_model().objects.get(username=username))
        clients.append(client)
    return clients


def test_every_page_renders_in_chinese_without_untranslated_text(world):
    urls = _urls(world)
    # Pages whose objects the demo may not hold (no plan, no duplicate pair) are the only gaps.
    optional = {
        "patient-ebill",
        "kiosk-ebill-print",
        "exams-patient-plan",
        "exams-staff-booked-plan",
        "exams-patient-propose",
        "mpi-review-pair",
        "patient-offsite-claim",
        "insurance-claim",
        "referral-consultation",
        "billing-sandbox-alipay-cashier",
        "billing-sandbox-ybpay-cashier",
        "prescribing-staff-visit",  # when the demo's two days have an online time free
        "prescribing-patient-visit",
    }
    missing = _page_names() - set(urls) - optional - NOT_YET_COVERED
    assert not missing, f"list these pages in the language test: {sorted(missing)}"
    patient = _patient_client(world["account"])
    staff = _staff_clients()
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    kiosk = _kiosk_client(world)
    referred = _patient_client(world["referred_account"])
    problems: dict[str, list[str]] = {}
    for name, url in sorted(urls.items()):
        if name in PUBLIC:
            clients = [anonymous]
        elif name in KIOSK:
            clients = [kiosk]
        elif name in REFERRED:
            clients = [referred]
        else:
            clients = staff if url.startswith("/staff/") else [patient]
        response = None
        for client in clients:
            try:
                response = client.get(url, follow=True)
            except RedirectCycleError:
                pytest.fail(f"{name} {url} redirects in a loop")
            if response.status_code == 200:
                break
        assert response.status_code == 200, f"{name} {url} answered {response.status_code}"
        found = untranslated(response.content.decode())
        if found:
            problems[name] = sorted(set(found))[:8]
    assert not problems, "untranslated text:\n" + "\n".join(
        f"{name}: {found}" for name, found in problems.items()
    )
