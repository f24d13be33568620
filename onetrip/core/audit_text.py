"""The audit trail's summaries in the reader's language (issue 15 item 8, D104).

Services write a summary in plain English, the same for every reader and kept as written (an
audit row is never rewritten). Each summary a service writes has its pattern here, marked for
translation; a page shows the pattern's translation with the row's values put back. A summary
matching no pattern (a row written before its pattern was added) is shown as written, marked as
English for screen readers and the language test."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext, gettext_noop

# One entry per summary the services write, in the exact English they write; `%(name)s` stands
# for a value. Patterns without values are tried first, then the longest literal text first, so
# "referral office worklist" is never read as "referral %(status)s".
PATTERNS: tuple[str, ...] = (
    # identity
    gettext_noop("patient record"),
    gettext_noop("patient search (%(count)s found)"),
    gettext_noop("patient registered"),
    gettext_noop("%(count)s legacy patient records loaded"),
    gettext_noop("changed %(fields)s"),
    gettext_noop("document added: %(doc_type)s"),
    gettext_noop("proxy granted to %(phone)s (%(relationship)s)"),
    gettext_noop("proxy revoked"),
    gettext_noop("record brought into scope: patient presented a document"),
    gettext_noop("record shared with institution %(institution)s"),
    gettext_noop("record linked: the mobile number on file was verified by a sign-in code"),
    gettext_noop("record claim matched nothing"),
    gettext_noop("record claim matched"),
    gettext_noop("record claimed with a code sent to the mobile number on file"),
    gettext_noop("face check: %(purpose)s"),
    gettext_noop("face check %(status)s (code %(code)s)"),
    gettext_noop("FHIR patient search (%(count)s found)"),
    gettext_noop("FHIR Patient $match (%(count)s found)"),
    gettext_noop("FHIR appointment search (%(count)s found)"),
    gettext_noop("notification preferences set"),
    gettext_noop("shared record"),
    gettext_noop("care journey"),
    gettext_noop("insurance 1101"),
    gettext_noop("insurance exchanges"),
    gettext_noop("insurance quote"),
    # insurance: commercial direct billing and off-site claims (R-PAY-8)
    gettext_noop("commercial policy %(insurer)s verified"),
    gettext_noop("commercial quote %(insurer_fen)s of %(base_fen)s fen"),
    gettext_noop("commercial settlement %(claim)s: %(insurer_fen)s fen"),
    gettext_noop("commercial settlement %(claim)s reversed"),
    gettext_noop("off-site claim %(claim)s: %(total_fen)s fen, %(bills)s bills"),
    gettext_noop("off-site claim %(claim)s: %(from)s → %(to)s"),
    gettext_noop("off-site claim %(claim)s"),
    # mpi
    gettext_noop("master patient index"),
    gettext_noop("possible duplicate reviewed"),
    gettext_noop("possible duplicate listed"),
    gettext_noop("record merged: person %(absorbed)s into %(survivor)s"),
    gettext_noop("merge undone: %(absorbed)s split from %(survivor)s"),
    gettext_noop("records %(left)s and %(right)s: different persons"),
    # scheduling
    gettext_noop("appointment"),
    gettext_noop("appointment cancelled"),
    gettext_noop("appointment rescheduled"),
    gettext_noop("appointment %(status)s via %(channel)s"),
    gettext_noop("hold confirmed"),
    gettext_noop("called"),
    gettext_noop("checked in"),
    gettext_noop("checked in late"),
    gettext_noop("walk-in checked in"),
    gettext_noop("consultation started"),
    gettext_noop("no-show exempted"),
    gettext_noop("joined waitlist"),
    gettext_noop("left waitlist"),
    gettext_noop("waitlist closed: clinic stopped"),
    gettext_noop("clinic session stopped; %(count)s patients affected"),
    gettext_noop("clinic stopped; rebooking offer %(offer)s held"),
    gettext_noop("clinic stopped; hold released"),
    gettext_noop("clinic stopped; no rebooking offer; refund due"),
    gettext_noop("clinic stopped; no rebooking offer; %(fee)s"),
    gettext_noop("rebooking offer %(offer)s accepted"),
    gettext_noop("rebooking offer declined"),
    gettext_noop("rebooking offer declined; refund due for appointment %(appointment)s"),
    gettext_noop("substitute doctor %(substitute)s for doctor %(doctor)s"),
    gettext_noop("green channel: booking moved"),
    gettext_noop("API key issued to %(client)s"),
    gettext_noop("API key of %(client)s revoked"),
    # exams and reports
    gettext_noop("exam orders"),
    gettext_noop("exam ordered: %(item)s"),
    gettext_noop("exam plan"),
    gettext_noop("exam plan proposal"),
    gettext_noop("exam plan booked: %(count)s exams"),
    gettext_noop("exam check-in"),
    gettext_noop("exam started"),
    gettext_noop("exam completed"),
    gettext_noop("exam cancelled"),
    gettext_noop("exam no-show"),
    gettext_noop("exam rescheduled"),
    gettext_noop("reports of a patient"),
    gettext_noop("report viewed"),
    gettext_noop("%(status)s report %(service)s quarantined: %(reason)s"),
    gettext_noop("%(status)s report %(service)s"),
    gettext_noop("critical value acknowledged: %(code)s"),
    gettext_noop("quarantined report attached to order %(order)s"),
    gettext_noop("results message replayed"),
    gettext_noop("results message rejected at %(location)s"),
    gettext_noop("replay still rejected at %(location)s"),
    gettext_noop("recognised result %(report)s for %(item)s: %(outcome)s"),
    gettext_noop("recognised results for %(item)s"),
    # billing, insurance and e-bills
    gettext_noop("bill %(visit)s"),
    gettext_noop("charge %(item)s x%(quantity)s on %(visit)s"),
    gettext_noop("charge %(item)s withdrawn from %(visit)s: %(reason)s"),
    gettext_noop("settlement %(mode)s via %(channel)s: %(total)s fen"),
    gettext_noop("settled: %(amount)s fen via %(channel)s"),
    gettext_noop("payment %(trade)s closed"),
    gettext_noop("refund %(amount)s fen via %(channel)s: %(reason)s"),
    gettext_noop("full refund: %(amount)s fen (%(cash)s cash via %(channel)s): %(reason)s"),
    gettext_noop("deposit top-up %(amount)s fen via %(channel)s on %(visit)s"),
    gettext_noop("deposit refund %(amount)s fen on %(visit)s: %(reason)s"),
    gettext_noop("discharge of %(visit)s: drew %(drawn)s fen, refunded %(refunded)s fen"),
    gettext_noop("insurance pre-settlement cancelled %(visit)s"),
    gettext_noop("insurance pre-settlement %(visit)s"),
    gettext_noop("insurance settlement reversed %(setl)s"),
    gettext_noop("insurance settlement %(setl)s"),
    gettext_noop("e-bill %(bill)s for settlement %(settlement)s"),
    gettext_noop("e-bill %(bill)s copied by the patient (%(channel)s)"),
    gettext_noop("red-letter e-bill %(red)s reverses %(original)s"),
    # referral
    gettext_noop("referral"),
    gettext_noop("referral %(status)s"),
    gettext_noop("referral office worklist"),
    gettext_noop("family doctor worklist"),
    gettext_noop("upward referral to institution %(institution)s (%(target)s)"),
    gettext_noop("downward referral to institution %(institution)s"),
    gettext_noop("%(kind)s requested of institution %(institution)s"),
    gettext_noop("%(kind)s answered"),
    gettext_noop("consultation request viewed"),
    gettext_noop("contract offered"),
    gettext_noop("contract signed; record shared with the team's institution"),
    gettext_noop("follow-up %(follow_up)s booked"),
    gettext_noop("facility return %(item)s %(period)s: %(achieved)s/%(of)s"),
    # service centre
    gettext_noop("complaint %(reference)s filed (%(kind)s, %(channel)s)"),
    gettext_noop("complaint %(reference)s routed to %(department)s"),
    gettext_noop("complaint %(reference)s answered"),
    gettext_noop("complaint %(reference)s closed"),
    gettext_noop("complaint %(reference)s rated %(rating)s"),
    gettext_noop("complaint %(reference)s escalated to level %(level)s"),
    gettext_noop("complaint %(reference)s listed"),
    gettext_noop("complaint %(reference)s read"),
    # prescribing and the pharmacy (issue 20)
    gettext_noop("formulary policy %(standard)s/%(chronic)s days"),
    gettext_noop("formulary drug %(code)s"),
    gettext_noop("interaction %(first)s+%(second)s"),
    gettext_noop("chronic catalogue %(condition)s: %(substance)s"),
    gettext_noop("prescription %(reference)s written (%(count)s findings)"),
    gettext_noop("prescription %(reference)s approved"),
    gettext_noop("prescription %(reference)s returned to the doctor"),
    gettext_noop("prescription %(reference)s paid"),
    gettext_noop("prescription %(reference)s listed"),
    gettext_noop("prescription %(reference)s read"),
    gettext_noop("prescription %(reference)s queued at window %(window)s"),
    gettext_noop("prescription %(reference)s ready"),
    gettext_noop("prescription %(reference)s called"),
    gettext_noop("prescription %(reference)s handed over"),
    gettext_noop("prescription %(reference)s patient arrived"),
    gettext_noop("delivery %(delivery)s requested (decoction: %(decoction)s)"),
    gettext_noop("delivery %(delivery)s decocting"),
    gettext_noop("delivery %(delivery)s dispatched (waybill %(waybill)s)"),
    gettext_noop("delivery %(delivery)s delivered"),
    gettext_noop("online visit %(reference)s booked"),
    gettext_noop("online visit %(reference)s message"),
    gettext_noop("online visit %(reference)s closed"),
    gettext_noop("online visit %(reference)s read"),
    gettext_noop("online visit %(reference)s listed"),
    gettext_noop("record copy %(reference)s applied for (%(delivery)s, %(copies)s)"),
    gettext_noop("record copy %(reference)s prepared (%(pages)s pages), %(status)s"),
    gettext_noop("record copy %(reference)s delivered (waybill %(waybill)s)"),
    gettext_noop("record copy %(reference)s listed"),
    gettext_noop("record copy %(reference)s read"),
    gettext_noop("record copy %(reference)s PDF downloaded"),
    gettext_noop("errand %(reference)s opened (%(errand)s)"),
    gettext_noop("errand %(reference)s done"),
    gettext_noop("errand %(reference)s refused"),
    gettext_noop("errand %(reference)s read"),
    gettext_noop("certificate %(reference)s submitted (%(kind)s)"),
    gettext_noop("certificate %(reference)s stamped"),
    gettext_noop("certificate %(reference)s refused"),
    gettext_noop("certificate %(reference)s read"),
    gettext_noop("loan %(reference)s opened (%(equipment)s)"),
    gettext_noop("loan %(reference)s handed over"),
    gettext_noop("loan %(reference)s returned, deposit refunded"),
    gettext_noop("loan %(reference)s cancelled"),
    gettext_noop("loan %(reference)s read"),
    gettext_noop("found item %(reference)s logged"),
    gettext_noop("found item %(reference)s claimed"),
    gettext_noop("helper %(helper)s enrolled (%(kind)s)"),
    gettext_noop("helper %(helper)s %(kind)s recorded"),
    gettext_noop("shift %(shift)s planned"),
    gettext_noop("shift %(shift)s signed in"),
    gettext_noop("help request %(reference)s opened"),
    gettext_noop("help request %(reference)s assigned"),
    gettext_noop("help request %(reference)s closed"),
    # inpatient
    gettext_noop("ward %(code)s created"),
    gettext_noop("day-surgery procedure %(code)s added"),
    gettext_noop("admission notice issued (%(urgency)s)"),
    gettext_noop("bed %(bed)s booked for %(date)s"),
    gettext_noop("bed %(bed)s ready"),
    gettext_noop("admission notice cancelled"),
    gettext_noop("admitted as %(number)s (identified by %(kind)s)"),
    gettext_noop("transferred from bed %(from)s to bed %(to)s"),
    gettext_noop("day-surgery pre-assessment passed (ASA %(asa)s)"),
    gettext_noop("discharged %(number)s (%(place)s)"),
    gettext_noop("follow-up recorded"),
    gettext_noop("admission record"),
    gettext_noop("clinical pathway %(code)s added"),
    gettext_noop("enrolled on clinical pathway %(code)s"),
    gettext_noop("pathway variance on day %(day)s"),
    gettext_noop("left the clinical pathway"),
    gettext_noop("MDT consultation requested"),
    gettext_noop("MDT consultation answered"),
    gettext_noop("pre-admission visit planned for %(day)s (%(count)s exams)"),
    gettext_noop("blood donor checked (%(relationship)s, %(volume)s ml donated)"),
    gettext_noop("blood fees reimbursed: %(volume)s ml, %(amount)s fen"),
    gettext_noop("fee %(item)s moved from %(visit)s to inpatient bill %(bill)s"),
    gettext_noop("fee %(item)s refunded on %(visit)s and charged again to inpatient bill %(bill)s"),
    gettext_noop("weekly admission plan"),
    gettext_noop("weekly admission plan accepted (%(count)s beds booked)"),
    # emergency
    gettext_noop("emergency call %(call)s taken (priority %(priority)s)"),
    gettext_noop("ambulance %(ambulance)s dispatched to call %(call)s"),
    gettext_noop("emergency call %(call)s cancelled"),
    gettext_noop("emergency arrival %(run)s"),
    gettext_noop("run %(run)s"),
    gettext_noop("run %(run)s: moment %(moment)s"),
    gettext_noop("run %(run)s: heading to institution %(institution)s"),
    gettext_noop("run %(run)s: patient identified by %(doc_type)s"),
    gettext_noop("run %(run)s: unknown-patient record registered"),
    gettext_noop("run %(run)s: vital signs sent"),
    gettext_noop("run %(run)s: ECG sent"),
    gettext_noop("run %(run)s: ECG"),
    gettext_noop("run %(run)s: milestone %(milestone)s (late)"),
    gettext_noop("run %(run)s: milestone %(milestone)s"),
    gettext_noop("run %(run)s: fee %(item)s charged after treatment"),
    # metrics
    gettext_noop("indicator rollups %(start)s … %(end)s refreshed"),
    gettext_noop("records behind %(metric)s %(part)s %(period)s institution %(institution)s"),
    # public health
    gettext_noop("vaccine lot %(lot)s received (%(packages)s packages, %(doses)s doses)"),
    gettext_noop("cold chain %(unit)s: %(celsius)s C"),
    gettext_noop("vaccination booked: %(vaccine)s dose %(dose)s"),
    gettext_noop("vaccination screened: %(status)s"),
    gettext_noop("dose given: %(vaccine)s lot %(lot)s code %(code)s"),
    gettext_noop("observation ended"),
    gettext_noop("AEFI reported for dose %(dose)s"),
    gettext_noop("AEFI followed up (%(category)s)"),
    gettext_noop("lot %(lot)s traced"),
    gettext_noop("vaccination record read"),
    gettext_noop("vaccine lot %(lot)s recalled (%(count)s people told)"),
    gettext_noop("vaccination desk list"),
    gettext_noop("vaccination visit read"),
    gettext_noop("vaccine %(code)s defined"),
    gettext_noop("birth application %(reference)s: certificate issued"),
    gettext_noop("birth application %(reference)s: %(agency)s %(status)s"),
    gettext_noop("birth applications listed"),
    gettext_noop("hut device %(serial)s registered"),
    gettext_noop("hut readings uploaded (%(filed)s filed, %(already)s already filed)"),
    gettext_noop("hut readings worklist"),
    gettext_noop("hut reading followed up"),
    gettext_noop("AED check logged: ready"),
    gettext_noop("AED check logged: not ready"),
    gettext_noop("home care ordered (%(kind)s)"),
    gettext_noop("home visit scheduled"),
    gettext_noop("home visit recorded"),
    gettext_noop("home visits listed"),
    gettext_noop("home visit read"),
    gettext_noop("pregnancy registered at day %(day)s"),
    gettext_noop("pregnancy risk graded %(colour)s"),
    gettext_noop("antenatal check %(number)s recorded"),
    gettext_noop("antenatal check %(number)s booked"),
    gettext_noop("delivery recorded"),
    gettext_noop("postnatal %(kind)s recorded"),
    gettext_noop("child check at %(months)s months recorded"),
    gettext_noop("child check at %(months)s months booked"),
    gettext_noop("pregnancy records listed"),
    gettext_noop("pregnancy record read"),
    gettext_noop("child health record read"),
    gettext_noop("video consultation requested"),
    gettext_noop("video consultation scheduled"),
    gettext_noop("video consultation %(status)s"),
    gettext_noop("video consultations listed"),
    gettext_noop("video consultation read"),
)


@dataclass(frozen=True)
class Summary:
    """A summary as a reader sees it: the text, and whether it is in the reader's language."""

    text: str
    translated: bool


@cache
def _compiled() -> tuple[tuple[re.Pattern[str], str], ...]:
    compiled = []
    for pattern in PATTERNS:
        parts = re.split(r"%\((\w+)\)s", pattern)
        regex = "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>.*?)"
            for index, part in enumerate(parts)
        )
        literal = len("".join(parts[::2]))
        compiled.append((len(parts) > 1, -literal, pattern, regex))
    return tuple(
        (re.compile(regex, re.DOTALL), pattern) for _v, _n, pattern, regex in sorted(compiled)
    )


def readable(summary: str) -> Summary:
    """`summary` in the active language, or as written when no pattern matches it."""
    for regex, pattern in _compiled():
        match = regex.fullmatch(summary)
        if match:
            return Summary(gettext(pattern) % match.groupdict(), True)
    return Summary(summary, False)
