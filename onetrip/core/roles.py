"""Staff roles of R-ORG-2 as Django groups with real permissions.

The table below is the single source: `sync_role_groups` makes the groups match it after every
migration. A permission missing from the database (a typo, a removed model) fails loudly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PATIENT_READ = ("identity.view_patient",)
PATIENT_WRITE = (
    "identity.view_patient",
    "identity.add_patient",
    "identity.change_patient",
    "identity.add_identitydocument",
    "identity.add_proxygrant",
)
FULL_IDENTIFIERS = ("identity.view_full_identifiers",)
# The KPI office reads the structure and the monitoring indicators (R-KPI-1).
CONSORTIUM_READ = tuple(
    f"consortium.view_{model}" for model in ("institution", "department", "clinic", "doctor")
)
CONSORTIUM_ADMIN = (
    tuple(
        f"consortium.{verb}_{model}"
        for model in ("institution", "department", "clinic", "doctor", "staffprofile")
        for verb in ("view", "add", "change")
    )
    + tuple(f"referral.{verb}_familydoctorteam" for verb in ("view", "add", "change"))
    + ("auth.view_user", "auth.add_user", "auth.change_user", "notifications.view_sandboxmessage")
)

# Locked-out staff sign-ins (django-axes, D58): the back office lists them; deleting one unlocks.
STAFF_LOCKOUT_ADMIN = ("axes.view_accessattempt", "axes.delete_accessattempt")

APPOINTMENTS_READ = ("scheduling.view_appointment", "scheduling.view_clinicsession")
WINDOW_BOOKING = APPOINTMENTS_READ + (
    "scheduling.book_at_window",
    "scheduling.book_by_phone",
    "scheduling.book_for_primary_care",  # effective only at primary-care institutions
    "scheduling.exempt_no_show",
    "scheduling.check_in",
    "scheduling.stop_session",
)
CLINIC_WORK = APPOINTMENTS_READ + (
    "scheduling.book_in_clinic",
    "scheduling.book_for_primary_care",
    "scheduling.call_patients",
)
SCHEDULE_ADMIN = (
    tuple(
        f"scheduling.{verb}_{model}"
        for model in ("sessiontemplate", "scheduleexception", "schedulingpolicy", "apiclient")
        for verb in ("view", "add", "change")
    )
    + ("scheduling.add_clinicsession", "scheduling.stop_session")
    + APPOINTMENTS_READ
)
# Master patient index (R-ID-2): review possible duplicates, merge and unmerge persons.
MPI_REVIEW = ("mpi.review_match", "mpi.view_person")

# Exams (R-EXAM-1/3, R-APPT-8): doctors order and book at their desk; the appointment centre
# books, reschedules, manages no-shows and edits the catalogue, devices and rules.
EXAM_ORDERING = (
    "exams.view_examorder",
    "exams.add_examorder",
    "exams.book_exam",
    "exams.order_large_equipment",
)
EXAM_CENTRE = (
    EXAM_ORDERING
    + ("exams.check_in_exam",)
    + tuple(
        f"exams.{verb}_{model}"
        for model in ("examitem", "examrule", "device", "openinghours")
        for verb in ("view", "add", "change")
    )
)

# Reports (R-EXAM-4/5): doctors read consortium results and acknowledge critical values; the exam
# centre files results by hand and sorts rejected messages and quarantined reports.
REPORTS_CLINICAL = ("reports.view_report", "reports.acknowledge_critical")
REPORTS_DESK = (
    "reports.view_report",
    "reports.submit_results",
    "reports.sort_results",
    "reports.acknowledge_critical",
)
REPORTS_CONFIG = (
    "reports.view_recognitionwindow",
    "reports.add_recognitionwindow",
    "reports.change_recognitionwindow",
    "reports.view_criticalvaluecontact",
    "reports.add_criticalvaluecontact",
    "reports.change_criticalvaluecontact",
)
# Two-way referral and remote care (R-REF-1, R-NET-3/4): doctors refer up and down, offer family
# doctor contracts and answer remote readings; the referral office (双向转诊办公室) answers and
# tracks the referrals of its institution.
REFERRING = (
    "referral.view_referral",
    "referral.refer_patient",
    "referral.offer_contract",
    "referral.answer_consultation",
)
REFERRAL_OFFICE = ("referral.view_referral", "referral.refer_patient", "referral.manage_referrals")
INSURANCE_DESK = (
    "insurance.settle_insurance",
    "insurance.query_insured_person",
    "insurance.view_insurancequote",
    "insurance.view_insurancesettlement",
    "insurance.view_platformexchange",
    "ebills.view_ebill",
)
# Billing (R-PAY-1/2): the window and the cashier take payments; doctors charge and settle at
# their desk (in-clinic settlement).
BILLING_DESK = ("billing.view_bill", "billing.add_charge", "billing.settle_bill")
# The service centre (R-SVC-1/2): the window enters complaints from the telephone, web and box;
# the complaints officer routes, answers and closes them.
COMPLAINT_ENTRY = ("service.add_complaint",)
# The records office (病案室) behind the service centre's counter prepares record copies.
RECORD_COPIES = ("service.view_recordcopy", "service.prepare_record_copy")
# Prescribing and the pharmacy (R-RX-1…3, R-NET-1/2): doctors prescribe and hold online
# follow-ups; pharmacists review prescriptions and dispense or deliver them.
PRESCRIBING = (
    "prescribing.view_prescription",
    "prescribing.write_prescription",
    "prescribing.hold_online_visit",
)
PHARMACY = (
    "prescribing.view_prescription",
    "prescribing.review_prescription",
    "pharmacy.view_dispenseorder",
    "pharmacy.dispense",
)
ONE_WINDOW = ("service.add_errandticket", "service.view_errandticket")
# Behind the one window (issue 21): certificates stamped, equipment lent, found items kept, and
# the volunteers' and social workers' roster and requests for help (R-SVC-3).
SERVICE_DESKS = (
    "service.stamp_certificate",
    "service.add_loan",
    "service.add_founditem",
    "service.add_helprequest",
)
COMPLAINTS_OFFICE = (
    "service.view_complaint",
    "service.add_complaint",
    "service.handle_complaints",
)
# Public health (R-PH-1/3/4): the vaccination clinic books, screens, vaccinates, receives lots,
# logs the cold chain and recalls lots; maternal-child staff see birth applications; township
# doctors follow up the island huts' readings.
VACCINATION = (
    "publichealth.vaccinate",
    "publichealth.receive_vaccines",
    "publichealth.recall_lot",
    "scheduling.book_at_window",
) + APPOINTMENTS_READ
# Maternal-child health staff (妇幼保健) keep pregnancy and child health records and book their
# checks at the window (R-PH-2).
MATERNAL_CHILD = (
    "publichealth.view_births",
    "publichealth.manage_maternal_child",
    "scheduling.book_at_window",
)
HUT_FOLLOW_UP = ("publichealth.follow_up_readings", "publichealth.order_home_care")
# Community nurses (社区护士) make the home visits of home nursing and home sickbeds (R-PH-5).
HOME_VISITS = ("publichealth.visit_homes",)
# Inpatient (issue 25): doctors issue admission notices; the admission preparation centre books
# beds and admits; the ward nurse station discharges with the settlement at the bedside.
INPATIENT_READ = ("inpatient.view_admission",)
ADMISSION_NOTICE = INPATIENT_READ + ("inpatient.issue_notice",)
ADMISSION_CENTRE = INPATIENT_READ + ("inpatient.manage_beds",)
WARD_STATION = ADMISSION_CENTRE + ("inpatient.discharge_patient",)
# Emergency (R-EMG-1…3): the 120 centre's dispatchers, the ambulance crews, and the receiving
# hospital's emergency department (it reads the patient, charges after treatment).
EMERGENCY_DISPATCH = ("emergency.dispatch_ambulances",)
EMERGENCY_CREW = ("emergency.crew_runs",)
EMERGENCY_RECEIVE = ("emergency.receive_patients",)
INSURANCE_POLICY_ADMIN = tuple(
    f"insurance.{verb}_insurancepolicy" for verb in ("view", "add", "change")
)


@dataclass(frozen=True)
class Role:
    code: str
    label: Promise
    permissions: tuple[str, ...]

    @property
    def group_name(self) -> str:
        return f"role:{self.code}"


ROLES: tuple[Role, ...] = (
    Role(
        "registration",
        _("Registration window"),
        PATIENT_WRITE + FULL_IDENTIFIERS + WINDOW_BOOKING + BILLING_DESK,
    ),
    Role(
        "doctor",
        _("Doctor"),
        PATIENT_READ
        + CLINIC_WORK
        + EXAM_ORDERING
        + REPORTS_CLINICAL
        + BILLING_DESK
        + REFERRING
        + PRESCRIBING
        + HUT_FOLLOW_UP
        + ADMISSION_NOTICE,
    ),
    Role(
        "nurse",
        _("Nurse"),
        PATIENT_READ
        + APPOINTMENTS_READ
        + ("scheduling.check_in", "scheduling.call_patients", "exams.check_in_exam"),
    ),
    Role(
        "exam_centre",
        _("Exam appointment centre"),
        PATIENT_READ + EXAM_CENTRE + REPORTS_DESK + REPORTS_CONFIG,
    ),
    # The admission centre takes inpatient deposits at the cashier desk (R-PAY-1) and plans the
    # pre-admission visit.
    Role(
        "admission",
        _("Admission centre"),
        PATIENT_WRITE
        + FULL_IDENTIFIERS
        + BILLING_DESK
        + ADMISSION_CENTRE
        # The pre-admission visit (D190): its exams ordered and planned, the anaesthesia
        # consultation booked at the centre's window.
        + EXAM_ORDERING
        + ("scheduling.book_at_window",)
        + APPOINTMENTS_READ,
    ),
    Role("ward_nurse", _("Ward nurse station"), PATIENT_READ + BILLING_DESK + WARD_STATION),
    Role("pharmacist", _("Pharmacist"), PATIENT_READ + PHARMACY),
    Role(
        "finance",
        _("Billing and finance"),
        PATIENT_READ + FULL_IDENTIFIERS + INSURANCE_DESK + BILLING_DESK,
    ),
    Role(
        "referral",
        _("Referral office"),
        PATIENT_READ
        + APPOINTMENTS_READ
        + ("identity.share_patient", "scheduling.book_for_primary_care")
        + REFERRAL_OFFICE,
    ),
    Role(
        "service_centre",
        _("Service centre"),
        PATIENT_WRITE
        + APPOINTMENTS_READ
        + ("scheduling.book_by_phone", "scheduling.exempt_no_show")
        + MPI_REVIEW
        + COMPLAINT_ENTRY
        + RECORD_COPIES
        + ONE_WINDOW
        + SERVICE_DESKS,
    ),
    Role("complaints", _("Complaints officer"), PATIENT_READ + COMPLAINTS_OFFICE),
    Role("social_worker", _("Medical social worker"), ("service.add_helprequest",)),
    Role("vaccinator", _("Vaccination clinic"), PATIENT_READ + VACCINATION),
    Role("maternal_child", _("Maternal and child health"), PATIENT_READ + MATERNAL_CHILD),
    Role("community_nurse", _("Community nurse"), PATIENT_READ + HOME_VISITS),
    Role(
        "quality",
        _("Quality and KPI office"),
        CONSORTIUM_READ
        + (
            "reports.view_recognitiondecision",
            "metrics.view_indicators",
            "metrics.enter_facility_returns",
        ),
    ),
    Role(
        "sysadmin",
        _("System administrator"),
        CONSORTIUM_ADMIN + SCHEDULE_ADMIN + INSURANCE_POLICY_ADMIN + STAFF_LOCKOUT_ADMIN,
    ),
    Role("auditor", _("Privacy auditor"), PATIENT_READ + ("core.view_auditevent",)),
    Role("dispatcher", _("Emergency dispatcher"), EMERGENCY_DISPATCH),
    Role("ambulance_crew", _("Ambulance crew"), PATIENT_READ + EMERGENCY_CREW),
    Role(
        "emergency_department",
        _("Emergency department"),
        PATIENT_READ + EMERGENCY_RECEIVE + BILLING_DESK,
    ),
)
ROLES_BY_CODE = {role.code: role for role in ROLES}


@transaction.atomic
def sync_role_groups() -> None:
    from django.contrib.auth.models import Group, Permission

    for role in ROLES:
        wanted = []
        for dotted in role.permissions:
            app_label, codename = dotted.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group, _created = Group.objects.get_or_create(name=role.group_name)
        group.permissions.set(wanted)


def sync_role_groups_after_migrate(sender: Any, app_config: Any = None, **kwargs: Any) -> None:
    # post_migrate fires once per app; permissions of apps later in the order may not exist yet,
    # so create them all first, then sync once (on the core app's turn).
    if app_config is None or app_config.label != "core":
        return
    for config in global_apps.get_app_configs():
        create_permissions(config, verbosity=0, using=kwargs.get("using", "default"))
    sync_role_groups()
