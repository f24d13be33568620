"""Inpatient registrations for the generated scoping and audit test (`core/tests/scoping.py`):
an admission belongs to the hospital whose doctor issued the notice and to its patient."""

from __future__ import annotations

from onetrip.core import clock
from onetrip.core.tests.scoping import OwnPatient, Staff, Target, World
from onetrip.inpatient import services
from onetrip.inpatient.tests.conftest import a_bed_day_item, surgical_ward

CENTRE = "admission"
WARD = "ward_nurse"


def _ward(world: World):
    if not hasattr(world, "inpatient_ward"):
        a_bed_day_item()
        world.inpatient_ward = surgical_ward(world.actor(CENTRE))
    return world.inpatient_ward


def _bed(world: World, label: str = "A"):
    return services.Bed.objects.get(room__ward=_ward(world), room__number="01", label=label)


def noticed(world: World):
    return services.issue_notice(
        services.NoticeIn(
            patient_id=world.patient.pk,
            diagnosis="腹股沟疝",
            planned_procedure="疝修补术",
            urgency="elective",
            expected_los_days=3,
        ),
        actor=world.actor("doctor"),
    )


def booked(world: World):
    admission = noticed(world)
    return services.book_bed(
        admission.pk, bed_id=_bed(world).pk, expected_date=clock.today(), actor=world.actor(CENTRE)
    )


def admitted(world: World):
    admission = booked(world)
    return services.admit(
        admission.pk, kind="code", value=str(world.patient.pk), actor=world.actor(CENTRE)
    )


def discharged(world: World):
    admission = admitted(world)
    return services.discharge(
        admission.pk,
        services.DischargeIn(place="ward", channel="cash", notes="好转出院"),
        actor=world.actor(WARD),
    )


def _target(make, body: dict | None = None):
    def build(world: World) -> Target:
        admission = make(world)
        return Target({"admission_id": admission.pk}, world.patient.pk, body=body)

    return build


def _transfer(world: World) -> Target:
    admission = admitted(world)
    return Target(
        {"admission_id": admission.pk},
        world.patient.pk,
        body={"bed": _bed(world, "B").pk, "reason": "靠窗"},
    )


def _book(world: World) -> Target:
    admission = noticed(world)
    return Target(
        {"admission_id": admission.pk},
        world.patient.pk,
        body={"bed": _bed(world).pk, "expected_date": clock.today().isoformat()},
    )


PAGE = "staff/inpatient/admissions/<id:admission_id>"
CASES = {
    PAGE: Staff(_target(noticed), CENTRE),
    f"{PAGE}/list.pdf": Staff(_target(admitted), CENTRE),
    f"{PAGE}/summary.pdf": Staff(_target(discharged), WARD),
    f"{PAGE}/book": Staff(_book, CENTRE, method="POST"),
    f"{PAGE}/ready": Staff(_target(booked), CENTRE, method="POST"),
    f"{PAGE}/admit": Staff(
        lambda world: Target(
            {"admission_id": booked(world).pk},
            world.patient.pk,
            body={"kind": "code", "value": str(world.patient.pk)},
        ),
        CENTRE,
        method="POST",
    ),
    f"{PAGE}/deposit": Staff(
        _target(admitted, {"amount": "500.00", "channel": "cash"}), CENTRE, method="POST"
    ),
    f"{PAGE}/transfer": Staff(_transfer, CENTRE, method="POST"),
    f"{PAGE}/assess": Staff(
        _target(noticed, {"asa_class": "1", "escort_at_home": "on"}),
        CENTRE,
        method="POST",
        also_ok=(400,),  # not a day surgery: refused on the page, after the scope check
    ),
    f"{PAGE}/discharge": Staff(
        _target(admitted, {"place": "bedside", "channel": "cash", "notes": "好转"}),
        WARD,
        method="POST",
    ),
    f"{PAGE}/follow-up": Staff(
        _target(discharged, {"note": "电话随访无不适"}), WARD, method="POST"
    ),
    f"{PAGE}/cancel": Staff(_target(noticed, {"reason": "患者改期"}), CENTRE, method="POST"),
    f"{PAGE}/pre-admission": Staff(
        _target(noticed, {"day": clock.today().isoformat()}),
        CENTRE,
        method="POST",
        also_ok=(400,),  # no exam devices in this world: refused on the page, after the scope
    ),
    f"{PAGE}/blood-donor": Staff(
        _target(
            noticed,
            {
                "donor_id_number": "110101199003074477",
                "relationship": "self",
                "proof": "id_card",
            },
        ),
        CENTRE,
        method="POST",
        also_ok=(400,),  # no donor in the sandbox: refused on the page, after the scope check
    ),
    "p/inpatient/<id:admission_id>": OwnPatient(_target(noticed)),
}


def _notice_body(world: World) -> Target:
    return Target(
        {},
        world.patient.pk,
        body={
            "patient_id": world.patient.pk,
            "diagnosis": "腹股沟疝",
            "urgency": "elective",
            "expected_los_days": 3,
        },
    )


def _book_api(world: World) -> Target:
    admission = noticed(world)
    return Target(
        {"admission_id": admission.pk},
        world.patient.pk,
        body={"bed_id": _bed(world).pk, "expected_date": clock.today().isoformat()},
    )


CASES |= {
    "POST /api/inpatient/notices": Staff(_notice_body, "doctor"),
    "GET /api/inpatient/admissions/{admission_id}": Staff(_target(noticed), CENTRE),
    "POST /api/inpatient/admissions/{admission_id}/book": Staff(_book_api, CENTRE),
    "POST /api/inpatient/admissions/{admission_id}/pre-admission": Staff(
        _target(noticed, {"day": clock.today().isoformat()}),
        CENTRE,
        also_ok=(422,),  # no exam devices in this world: refused after the scope check
        audited=False,
        why_not_audited="refused here: the problem names the field and shows no patient data",
    ),
    "GET /api/inpatient/admissions/{admission_id}/pre-admission": Staff(_target(noticed), CENTRE),
    "POST /api/inpatient/admissions/{admission_id}/blood-donor": Staff(
        _target(
            noticed,
            {"donor_id_number": "110101199003074477", "relationship": "self", "proof": "id_card"},
        ),
        CENTRE,
        also_ok=(422,),  # no donor in the sandbox: refused after the scope check
        audited=False,
        why_not_audited="refused here: the problem names the field and shows no patient data",
    ),
    "GET /api/inpatient/admissions/{admission_id}/blood-donor": Staff(_target(noticed), CENTRE),
}


def _a_pathway(world: World):
    if not hasattr(world, "inpatient_pathway"):
        world.inpatient_pathway = services.add_pathway_template(
            code="HERNIA",
            name="腹股沟疝临床路径",
            days=("术前准备", "手术", "出院"),
            actor=world.actor(CENTRE),
        )
    return world.inpatient_pathway


def on_pathway(world: World):
    admission = admitted(world)
    services.enrol_on_pathway(
        admission.pk, template_id=_a_pathway(world).pk, actor=world.actor(CENTRE)
    )
    return admission


def _mdt(world: World) -> Target:
    admission = admitted(world)
    asked = services.request_mdt(
        admission.pk,
        question="是否可行腹腔镜修补",
        specialties="普外科、麻醉科",
        actor=world.actor(WARD),
    )
    return Target({"mdt_id": asked.pk}, world.patient.pk, body={"conclusion": "可行"})


CASES |= {
    f"{PAGE}/pathway": Staff(
        lambda world: Target(
            {"admission_id": admitted(world).pk},
            world.patient.pk,
            body={"template": _a_pathway(world).pk},
        ),
        CENTRE,
        method="POST",
    ),
    f"{PAGE}/variance": Staff(_target(on_pathway, {"reason": "术后发热"}), WARD, method="POST"),
    f"{PAGE}/pathway-exit": Staff(
        _target(on_pathway, {"exit_reason": "合并肺部感染"}), WARD, method="POST"
    ),
    f"{PAGE}/mdt": Staff(
        _target(admitted, {"question": "术式选择", "specialties": "普外科、麻醉科"}),
        WARD,
        method="POST",
    ),
    "staff/inpatient/mdt/<id:mdt_id>/answer": Staff(_mdt, WARD, method="POST"),
}
