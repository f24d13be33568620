"""The structured triage of a call (D131): the dispatcher asks the same yes/no questions every
time, and the answers, not the dispatcher's impression, give the priority and the green channel.
Pure: answers in, `Triage` out.

Priority 1 (critical: send the nearest ambulance now) when the patient is not breathing
normally, unconscious, or any green-channel sign is present; 2 (urgent) for breathing
difficulty, heavy bleeding or an injury without the trauma criteria; 3 otherwise. The questions
follow the order of the national pre-hospital emergency dispatch practice (呼救受理 → 生命体征
询问 → 主诉分类); they are not the licensed MPDS protocol."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onetrip.emergency.models import GreenChannel

# (code, question, green channel the answer "yes" opens, priority it gives)
QUESTIONS: tuple[tuple[str, Promise, str, int], ...] = (
    ("not_breathing", _("Not breathing, or breathing abnormally?"), GreenChannel.NONE, 1),
    ("unconscious", _("Unconscious or not responding?"), GreenChannel.NONE, 1),
    (
        "chest_pain",
        _("Chest pain or pressure lasting over 15 minutes?"),
        GreenChannel.CHEST_PAIN,
        1,
    ),
    (
        "stroke_signs",
        _("Face drooping, arm weakness or slurred speech (FAST)?"),
        GreenChannel.STROKE,
        1,
    ),
    (
        "major_trauma",
        _("Fall from height, traffic collision or penetrating injury?"),
        GreenChannel.TRAUMA,
        1,
    ),
    (
        "maternal_critical",
        _("Pregnant or just delivered, with heavy bleeding, fits or severe headache?"),
        GreenChannel.MATERNAL,
        1,
    ),
    (
        "neonatal_critical",
        _("A newborn (under 28 days) not breathing well, blue or limp?"),
        GreenChannel.NEONATAL,
        1,
    ),
    ("breathing_difficulty", _("Struggling to breathe?"), GreenChannel.NONE, 2),
    ("bleeding", _("Heavy bleeding, or an injury?"), GreenChannel.NONE, 2),
)
QUESTION_CODES = tuple(code for code, *_rest in QUESTIONS)


@dataclass(frozen=True)
class Triage:
    priority: int
    channel: str
    answers: dict[str, bool]


def triage(answers: dict[str, bool]) -> Triage:
    """Priority and green channel from the answers; a question not answered counts as "no".
    The first green channel in question order wins (a collision with chest pain is chest pain)."""
    kept = {code: bool(answers.get(code)) for code in QUESTION_CODES}
    priority, channel = 3, GreenChannel.NONE.value
    for code, _question, opens, gives in QUESTIONS:
        if not kept[code]:
            continue
        priority = min(priority, gives)
        if opens and not channel:
            channel = str(opens)
    return Triage(priority, channel, kept)
