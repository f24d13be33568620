"""The pharmacist's review rules against a table of cases with their expected findings: each row
is one prescription and exactly the rules (and severities) it must trip, so a rule that stops
firing, or fires where it should not, fails its row."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from onetrip.prescribing.review import BLOCK, WARN, Case, DrugFacts, LineFacts, explain, review

AMLODIPINE = DrugFacts(
    "DR-AML", "amlodipine", "苯磺酸氨氯地平片", "mg", D(2.5), D(10), D(10), ("oral",), "CCB"
)
NIFEDIPINE = DrugFacts(
    "DR-NIF",
    "nifedipine",
    "硝苯地平控释片",
    "mg",
    D(30),
    D(60),
    D(90),
    ("oral",),
    "CCB",
    pregnancy_contraindicated=False,
)
METFORMIN = DrugFacts(
    "DR-MET",
    "metformin",
    "盐酸二甲双胍片",
    "mg",
    D(250),
    D(1000),
    D(2000),
    ("oral",),
    "biguanide",
    min_age_years=10,
)
AMOXICILLIN = DrugFacts(
    "DR-AMX",
    "amoxicillin",
    "阿莫西林胶囊",
    "mg",
    D(250),
    D(1000),
    D(4000),
    ("oral",),
    "penicillin",
    allergy_group="penicillin",
)
CAPTOPRIL = DrugFacts(
    "DR-CAP",
    "captopril",
    "卡托普利片",
    "mg",
    D(12.5),
    D(50),
    D(150),
    ("oral",),
    "ACEI",
    pregnancy_contraindicated=True,
)
SIMVASTATIN = DrugFacts(
    "DR-SIM", "simvastatin", "辛伐他汀片", "mg", D(10), D(40), D(40), ("oral",), "statin"
)
CLARITHRO = DrugFacts(
    "DR-CLA",
    "clarithromycin",
    "克拉霉素片",
    "mg",
    D(250),
    D(500),
    D(1000),
    ("oral",),
    "macrolide",
)
INTERACTIONS = {
    ("clarithromycin", "simvastatin"): ("major", "克拉霉素升高辛伐他汀浓度，横纹肌溶解风险。"),
    ("amlodipine", "simvastatin"): ("moderate", "辛伐他汀每日不超过20mg。"),
}
HYPERTENSION = frozenset({"amlodipine", "nifedipine", "captopril"})


def line(drug, dose, times=1, route="oral"):
    return LineFacts(drug, D(dose), times, route)


def case(*lines, **facts):
    defaults = {"age_years": 60, "days": 7, "interactions": INTERACTIONS}
    return Case(lines=tuple(lines), **(defaults | facts))


CASES = {
    "a clean prescription": (case(line(AMLODIPINE, 5)), []),
    "single dose too high (so the day's too)": (
        case(line(AMLODIPINE, 20)),
        [("single_dose", BLOCK), ("daily_dose", BLOCK)],
    ),
    "single dose too low": (case(line(METFORMIN, 100)), [("single_dose", BLOCK)]),
    "daily dose too high, each dose fine": (
        case(line(METFORMIN, 1000, times=3)),
        [("daily_dose", BLOCK)],
    ),
    "the wrong route": (case(line(AMLODIPINE, 5, route="injection")), [("route", BLOCK)]),
    "two calcium-channel blockers": (
        case(line(AMLODIPINE, 5), line(NIFEDIPINE, 30)),
        [("duplicate", WARN)],
    ),
    "a major interaction": (
        case(line(SIMVASTATIN, 20), line(CLARITHRO, 500, times=2)),
        [("interaction_major", BLOCK)],
    ),
    "a moderate interaction": (
        case(line(AMLODIPINE, 5), line(SIMVASTATIN, 20)),
        [("interaction", WARN)],
    ),
    "penicillin allergy": (
        case(line(AMOXICILLIN, 500, times=3), allergies=frozenset({"penicillin"})),
        [("allergy", BLOCK)],
    ),
    "an allergy to something else": (
        case(line(AMOXICILLIN, 500, times=3), allergies=frozenset({"sulfonamide"})),
        [],
    ),
    "a child below the drug's age": (case(line(METFORMIN, 500), age_years=8), [("age", BLOCK)]),
    "exactly the drug's minimum age": (case(line(METFORMIN, 500), age_years=10), []),
    "an ACE inhibitor in pregnancy": (
        case(line(CAPTOPRIL, 25), pregnant=True),
        [("pregnancy", BLOCK)],
    ),
    "an ACE inhibitor when not pregnant": (case(line(CAPTOPRIL, 25)), []),
    "a long prescription for an acute illness": (
        case(line(AMOXICILLIN, 500, times=3), days=14),
        [("duration", BLOCK)],
    ),
    "12 weeks for a chronic patient, catalogue drug": (
        case(line(AMLODIPINE, 5), days=84, chronic=True, chronic_catalogue=HYPERTENSION),
        [],
    ),
    "12 weeks where the policy allows only 8": (
        case(
            line(AMLODIPINE, 5),
            days=84,
            chronic=True,
            chronic_max_days=56,
            chronic_catalogue=HYPERTENSION,
        ),
        [("duration", BLOCK)],
    ),
    "a long chronic prescription with a drug outside the catalogue": (
        case(
            line(AMLODIPINE, 5),
            line(SIMVASTATIN, 20),
            days=28,
            chronic=True,
            chronic_catalogue=HYPERTENSION,
        ),
        [("interaction", WARN), ("chronic_catalogue", BLOCK)],
    ),
    "a chronic patient's week needs no catalogue": (
        case(line(SIMVASTATIN, 20), days=7, chronic=True, chronic_catalogue=HYPERTENSION),
        [],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_review_case(name):
    prescription, expected = CASES[name]
    assert [(f.rule, f.severity) for f in review(prescription)] == expected


def test_an_institution_may_switch_a_rule_off_or_soften_it():
    prescription = case(line(AMLODIPINE, 5), line(NIFEDIPINE, 30))
    assert review(prescription, {"duplicate": (False, WARN)}) == []
    softened = review(case(line(AMLODIPINE, 20)), {"single_dose": (True, WARN)})
    assert [(f.rule, f.severity) for f in softened] == [
        ("single_dose", WARN),
        ("daily_dose", BLOCK),
    ]


def test_every_finding_is_explained_with_its_values():
    finding = review(case(line(AMLODIPINE, 20)))[0]
    text = explain(finding.rule, finding.params)
    assert "苯磺酸氨氯地平片" in text
    assert "20" in text
    assert "2.5" in text
    assert "10" in text
    (finding,) = review(case(line(SIMVASTATIN, 20), line(CLARITHRO, 500)))
    assert "横纹肌溶解" in explain(finding.rule, finding.params)
