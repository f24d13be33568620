"""Every notice the platform sends, once: its code, what it is for, whether it is urgent, and its
words. The words are English msgids translated to Simplified Chinese in `onetrip/locale/`; the
worker renders them in the recipient's language at delivery, so a caller names a template and
passes its parameters as data (formatted dates and times, names, numbers), never finished text.

Urgent notices (sign-in codes, critical values, stop-clinic notices) are delivered during quiet
hours; the others wait until the quiet hours end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import DoctorTitle


@dataclass(frozen=True)
class MessageTemplate:
    code: str
    purpose: str
    title: Promise
    body: Promise
    params: frozenset[str]
    urgent: bool = False
    # Channels that override the recipient's choice (a sign-in code must reach that phone).
    channels: tuple[str, ...] | None = None
    # Parameters holding a choice value, shown as the choice's label in the reader's language.
    labels: dict[str, type[models.TextChoices]] = field(default_factory=dict)
    # Parameters holding a path of the site, sent as an absolute link (clickable in an SMS)
    # built from ONETRIP_SITE_URL at delivery.
    links: frozenset[str] = frozenset()

    def render(self, params: dict[str, str], language: str) -> tuple[str, str]:
        """(title, body) in `language`."""
        with translation.override(language):
            values = {name: self._value(name, value) for name, value in params.items()}
            return str(self.title), str(self.body) % values

    def _value(self, name: str, value: str) -> str:
        if name in self.labels:
            return str(self.labels[name](value).label)
        if name in self.links:
            return site_link(value)
        return value


def site_link(path: str) -> str:
    """An absolute link to a page of the site, from the configured public address (a link
    queued before links were made absolute here is sent as it was)."""
    if not path.startswith("/"):
        return path
    return settings.ONETRIP_SITE_URL.rstrip("/") + path


_TEMPLATES = [
    MessageTemplate(
        "sign_in_code",
        "sign_in_code",
        _("Sign-in code"),
        _(
            "[OneTrip] Your sign-in code is %(code)s, valid for %(minutes)s minutes. "
            "Never tell it to anyone."
        ),
        frozenset({"code", "minutes"}),
        urgent=True,
        channels=("sms",),
    ),
    MessageTemplate(
        "record_claim_code",
        "record_claim_code",
        _("Code to link your record"),
        _(
            "[OneTrip] Someone asked to link your hospital record to a OneTrip account. If it "
            "was you, the code is %(code)s, valid for %(minutes)s minutes. If not, ignore this "
            "message and never tell the code to anyone."
        ),
        frozenset({"code", "minutes"}),
        urgent=True,
        channels=("sms",),
    ),
    MessageTemplate(
        "appointment_booked",
        "appointment_booked",
        _("Appointment booked"),
        _(
            "[OneTrip] %(name)s is booked at %(hospital)s: %(doctor)s, %(date)s, arrive "
            "%(start)s–%(end)s. Booking number %(number)s. Details: %(path)s"
        ),
        frozenset({"name", "hospital", "doctor", "date", "start", "end", "number", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "appointment_reminder",
        "appointment_reminder",
        _("Visit tomorrow"),
        _(
            "[OneTrip] Reminder: %(name)s sees %(doctor)s at %(hospital)s tomorrow, %(date)s, "
            "arrive %(start)s–%(end)s at %(room)s. Check in on your phone: %(path)s"
        ),
        frozenset({"name", "hospital", "doctor", "date", "start", "end", "room", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "appointment_cancelled",
        "appointment_cancelled",
        _("Booking cancelled"),
        _(
            "[OneTrip] %(name)s's booking at %(hospital)s (%(doctor)s, %(date)s %(time)s) is "
            "cancelled."
        ),
        frozenset({"name", "hospital", "doctor", "date", "time"}),
    ),
    MessageTemplate(
        "appointment_cancelled_refund",
        "appointment_cancelled",
        _("Booking cancelled, fee refunded"),
        _(
            "[OneTrip] %(name)s's booking at %(hospital)s (%(doctor)s, %(date)s %(time)s) is "
            "cancelled. The %(amount)s CNY fee is refunded to where it was paid from, usually "
            "within 1–3 working days."
        ),
        frozenset({"name", "hospital", "doctor", "date", "time", "amount"}),
    ),
    MessageTemplate(
        "waitlist_closed",
        "clinic_stopped",
        _("Clinic cancelled"),
        _(
            "[OneTrip] %(doctor)s's clinic on %(date)s is cancelled; you are no longer on its "
            "waiting list."
        ),
        frozenset({"doctor", "date"}),
        urgent=True,
    ),
    MessageTemplate(
        "clinic_stopped",
        "clinic_stopped",
        _("Clinic cancelled"),
        _(
            "[OneTrip] %(doctor)s's clinic on %(date)s is cancelled, so your %(time)s booking "
            "is cancelled. Any fee paid will be refunded."
        ),
        frozenset({"doctor", "date", "time"}),
        urgent=True,
    ),
    MessageTemplate(
        "clinic_stopped_offer",
        "clinic_stopped",
        _("Clinic cancelled"),
        _(
            "[OneTrip] %(doctor)s's clinic on %(date)s is cancelled. We are holding "
            "%(new_doctor)s, %(new_date)s %(new_time)s for you until %(until)s at no extra "
            "charge: accept or decline it at %(path)s; if you decline, any fee paid is refunded."
        ),
        frozenset({"doctor", "date", "new_doctor", "new_date", "new_time", "until", "path"}),
        links=frozenset({"path"}),
        urgent=True,
    ),
    MessageTemplate(
        "clinic_substituted",
        "clinic_substituted",
        _("Another doctor will see you"),
        _(
            "[OneTrip] Your visit on %(date)s at %(time)s: %(doctor)s (%(title)s) will see you "
            "instead of %(absent)s. Your booking stays valid."
        ),
        frozenset({"date", "time", "doctor", "title", "absent"}),
        labels={"title": DoctorTitle},
    ),
    MessageTemplate(
        "exam_booked",
        "exam_booked",
        _("Exams booked"),
        _("[OneTrip] Exams booked for %(name)s: %(exams)s.%(preparation)s"),
        frozenset({"name", "exams", "preparation"}),
    ),
    MessageTemplate(
        "exam_booked_fasting",
        "exam_booked",
        _("Exams booked"),
        _(
            "[OneTrip] Exams booked for %(name)s: %(exams)s. Do not eat for %(hours)s hours "
            "before the first one (water is fine unless told otherwise).%(preparation)s"
        ),
        frozenset({"name", "exams", "hours", "preparation"}),
    ),
    MessageTemplate(
        "exam_rescheduled",
        "exam_rescheduled",
        _("Exam moved"),
        _("[OneTrip] Exam moved: %(exam)s.%(preparation)s"),
        frozenset({"exam", "preparation"}),
    ),
    MessageTemplate(
        "report_ready",
        "report_ready",
        _("Report ready"),
        _("[OneTrip] The %(exam)s report of %(name)s from %(hospital)s is ready: %(path)s"),
        frozenset({"exam", "name", "hospital", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "report_corrected",
        "report_ready",
        _("Report corrected"),
        _("[OneTrip] The %(exam)s report of %(name)s from %(hospital)s was corrected: %(path)s"),
        frozenset({"exam", "name", "hospital", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "critical_value",
        "critical_value",
        _("Critical value"),
        _(
            "[OneTrip] Critical value %(test)s %(value)s (%(flag)s) on order %(order)s. "
            "Acknowledge on the critical-value worklist."
        ),
        frozenset({"test", "value", "flag", "order"}),
        urgent=True,
        channels=("sms",),
    ),
    MessageTemplate(
        "billing_due",
        "billing_due",
        _("Bill due"),
        _(
            "[OneTrip] Your medical bill of %(amount)s CNY is due on %(due)s. "
            "Pay it on your phone to keep booking appointments."
        ),
        frozenset({"amount", "due"}),
    ),
    MessageTemplate(
        "deposit_low",
        "deposit_low",
        _("Deposit running low"),
        _(
            "[OneTrip] The inpatient deposit of admission %(admission)s has %(balance)s CNY left "
            "against %(charges)s CNY of charges not yet settled. Please top up at the cashier or "
            "on your phone."
        ),
        frozenset({"admission", "balance", "charges"}),
    ),
    MessageTemplate(
        "billing_link",
        "billing_link",
        _("Your bill"),
        _("[OneTrip] View and pay your bill: %(link)s"),
        frozenset({"link"}),
        links=frozenset({"link"}),
    ),
    # Two-way referral and family doctor contracts (R-REF-1).
    MessageTemplate(
        "referral_sent",
        "referral",
        _("Referral booked"),
        _(
            "[OneTrip] Your doctor referred you to %(institution)s and booked your visit; your "
            "record goes with you, bring nothing. See %(path)s"
        ),
        frozenset({"institution", "path"}),
    ),
    MessageTemplate(
        "referral_redirected",
        "referral",
        _("Referral redirected"),
        _(
            "[OneTrip] %(institution)s redirected your referral; your booking there is "
            "cancelled and your family doctor will refer you again. See %(path)s"
        ),
        frozenset({"institution", "path"}),
    ),
    MessageTemplate(
        "care_plan_ready",
        "referral",
        _("Care plan"),
        _(
            "[OneTrip] You are referred back to %(institution)s with a care plan: medication, "
            "follow-ups and warning signs. See %(path)s"
        ),
        frozenset({"institution", "path"}),
    ),
    MessageTemplate(
        "contract_offered",
        "family_doctor_contract",
        _("Family doctor contract"),
        _("[OneTrip] %(team)s offers you a family doctor contract. Sign it at %(path)s"),
        frozenset({"team", "path"}),
    ),
    # The service centre's complaints and record copies (R-SVC-1/2).
    MessageTemplate(
        "complaint_received",
        "complaint",
        _("Complaint received"),
        _("[OneTrip] We received your feedback %(reference)s and will answer it. See %(path)s"),
        frozenset({"reference", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "complaint_routed",
        "complaint",
        _("Complaint with the department"),
        _("[OneTrip] Your feedback %(reference)s is with the responsible department. See %(path)s"),
        frozenset({"reference", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "complaint_escalated",
        "complaint",
        _("Complaint escalated"),
        _(
            "[OneTrip] Your feedback %(reference)s was not answered in time and has been "
            "escalated to the hospital's management. See %(path)s"
        ),
        frozenset({"reference", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "complaint_responded",
        "complaint",
        _("Complaint answered"),
        _("[OneTrip] Your feedback %(reference)s has an answer. Read it at %(path)s"),
        frozenset({"reference", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "complaint_closed",
        "complaint",
        _("Complaint closed"),
        _(
            "[OneTrip] Your feedback %(reference)s is closed. Please rate how it was handled "
            "at %(path)s"
        ),
        frozenset({"reference", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "record_copy_applied",
        "record_copy",
        _("Record copy applied for"),
        _(
            "[OneTrip] Your application %(reference)s for a copy of a medical record is "
            "received; pay the fee to start it. See %(path)s"
        ),
        frozenset({"reference", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "record_copy_posted",
        "record_copy",
        _("Record copy posted"),
        _("[OneTrip] Your record copy %(reference)s is posted. Track it at %(path)s"),
        frozenset({"reference", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "record_copy_ready",
        "record_copy",
        _("Record copy ready"),
        _("[OneTrip] Your record copy %(reference)s is ready as a signed PDF: %(path)s"),
        frozenset({"reference", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "record_copy_delivered",
        "record_copy",
        _("Record copy delivered"),
        _("[OneTrip] Your record copy %(reference)s was delivered. See %(path)s"),
        frozenset({"reference", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "errand_done",
        "errand",
        _("Errand done"),
        _("[OneTrip] Your errand %(reference)s is done; collect it at the service centre."),
        frozenset({"reference"}),
    ),
    MessageTemplate(
        "errand_refused",
        "errand",
        _("Errand refused"),
        _("[OneTrip] Your errand %(reference)s could not be done; ask at the service centre."),
        frozenset({"reference"}),
    ),
    MessageTemplate(
        "prescription_approved",
        "prescription",
        _("Prescription approved"),
        _(
            "[OneTrip] Your prescription %(reference)s is approved by the pharmacist. Pay on the "
            "phone and the pharmacy prepares it: %(path)s"
        ),
        frozenset({"reference", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "medicines_ready",
        "prescription",
        _("Medicines ready"),
        _("[OneTrip] Your medicines are ready at pharmacy window %(window)s. See %(path)s"),
        frozenset({"window", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "delivery_decocting",
        "prescription",
        _("Herbs being decocted"),
        _("[OneTrip] Your herbal medicine is being decocted for delivery. See %(path)s"),
        frozenset({"path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "delivery_dispatched",
        "prescription",
        _("Medicines on the way"),
        _(
            "[OneTrip] Your medicines are on the way (waybill %(waybill)s). Give the courier "
            "the code %(code)s at the door. See %(path)s"
        ),
        frozenset({"waybill", "code", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "delivery_delivered",
        "prescription",
        _("Medicines delivered"),
        _("[OneTrip] Your medicines were delivered. See %(path)s"),
        frozenset({"path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "vaccination_observation",
        "vaccination",
        _("Stay for observation"),
        _(
            "[OneTrip] %(name)s has been vaccinated. Please stay at the clinic until %(until)s "
            "for the 30-minute observation. Timer: %(path)s"
        ),
        frozenset({"name", "until", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "vaccine_lot_recalled",
        "vaccine_recall",
        _("Vaccine lot recalled"),
        _(
            "[OneTrip] The %(vaccine)s lot %(lot)s that %(name)s received has been recalled. "
            "The clinic will contact you about what to do; details: %(path)s"
        ),
        frozenset({"name", "vaccine", "lot", "path"}),
        urgent=True,
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "birth_certificate_issued",
        "birth_application",
        _("Birth certificate issued"),
        _(
            "[OneTrip] Birth application %(reference)s: the birth medical certificate is "
            "issued; household registration and medical insurance are applied for. See %(path)s"
        ),
        frozenset({"reference", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "birth_household_done",
        "birth_application",
        _("Household registration done"),
        _("[OneTrip] Birth application %(reference)s: household registration is done. %(path)s"),
        frozenset({"reference", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "birth_insurance_done",
        "birth_application",
        _("Newborn insured"),
        _("[OneTrip] Birth application %(reference)s: the newborn is insured. %(path)s"),
        frozenset({"reference", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "hut_reading_alert",
        "hut_reading",
        _("Reading out of range"),
        _(
            "[OneTrip] Your %(kind)s reading at the health hut was out of range. Your township "
            "doctor will contact you."
        ),
        frozenset({"kind"}),
    ),
    MessageTemplate(
        "antenatal_check_due",
        "maternal_child",
        _("Antenatal check due"),
        _(
            "[OneTrip] Your antenatal check %(number)s (weeks %(weeks)s of pregnancy) is due "
            "soon. Book it here: %(path)s"
        ),
        frozenset({"number", "weeks", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "child_check_due",
        "maternal_child",
        _("Child health check due"),
        _(
            "[OneTrip] %(name)s's %(months)s-month health check is due on %(date)s. Book it "
            "here: %(path)s"
        ),
        frozenset({"name", "months", "date", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "video_consultation_scheduled",
        "video_consultation",
        _("Video consultation scheduled"),
        _(
            "[OneTrip] Your video consultation with the township doctor is at %(time)s. Join "
            "at the health hut or here: %(path)s"
        ),
        frozenset({"time", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "admission_notice",
        "admission",
        _("Admission notice"),
        _(
            "[OneTrip] Your doctor has issued an admission notice for %(diagnosis)s. The "
            "admission preparation centre will book your bed; see %(path)s"
        ),
        frozenset({"diagnosis", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "bed_booked",
        "admission",
        _("Bed booked"),
        _(
            "[OneTrip] A bed is booked for you at %(ward)s; expected admission on %(date)s. We "
            "will send a message when the bed is ready. See %(path)s"
        ),
        frozenset({"ward", "date", "path"}),
        links=frozenset({"path"}),
    ),
    MessageTemplate(
        "bed_ready",
        "admission",
        _("Bed ready"),
        _(
            "[OneTrip] Your bed %(bed)s at %(ward)s is ready. Please come to the admission "
            "preparation centre with your ID or e-health card. See %(path)s"
        ),
        frozenset({"ward", "bed", "path"}),
        links=frozenset({"path"}),
    ),
]

TEMPLATES: dict[str, MessageTemplate] = {t.code: t for t in _TEMPLATES}
