"""Clinical pathways (enrolment at admission, variances with reasons, completion at discharge or
exit with the reason) and MDT consultation requests (D154)."""

from __future__ import annotations

import pytest

from onetrip.core.errors import DomainError, InvalidInput
from onetrip.inpatient import services
from onetrip.inpatient.models import PathwayStatus
from onetrip.inpatient.tests.conftest import admitted, bed

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def pathway(centre):
    return services.add_pathway_template(
        code="HERNIA", name="腹股沟疝临床路径", days=("术前", "手术", "出院"), actor=centre
    )


def test_completed_at_discharge_with_its_variances(doctor, centre, nurse, patient, ward, pathway):
    admission = admitted(doctor, centre, patient, bed(ward, "01", "A"))
    services.enrol_on_pathway(admission.pk, template_id=pathway.pk, actor=centre)
    with pytest.raises(DomainError) as twice:
        services.enrol_on_pathway(admission.pk, template_id=pathway.pk, actor=centre)
    assert twice.value.code == "already_enrolled"
    with pytest.raises(InvalidInput):
        services.record_variance(admission.pk, reason=" ", actor=nurse)
    variance = services.record_variance(admission.pk, reason="术后尿潴留", actor=nurse)
    assert variance.day == 1
    services.discharge(
        admission.pk,
        services.DischargeIn(place="ward", channel="cash", notes="好转"),
        actor=nurse,
    )
    enrolment = services.pathway_of(admission)
    assert enrolment.status == PathwayStatus.COMPLETED
    assert enrolment.ended_at is not None


def test_exit_needs_a_reason_and_stays_exited(doctor, centre, nurse, patient, ward, pathway):
    admission = admitted(doctor, centre, patient, bed(ward, "01", "A"))
    services.enrol_on_pathway(admission.pk, template_id=pathway.pk, actor=centre)
    with pytest.raises(InvalidInput):
        services.exit_pathway(admission.pk, reason="", actor=nurse)
    services.exit_pathway(admission.pk, reason="合并肺部感染", actor=nurse)
    services.discharge(
        admission.pk,
        services.DischargeIn(place="ward", channel="cash", notes="好转"),
        actor=nurse,
    )
    assert services.pathway_of(admission).status == PathwayStatus.EXITED


def test_mdt_request_answered_once(doctor, centre, nurse, patient, ward):
    admission = admitted(doctor, centre, patient, bed(ward, "01", "A"))
    asked = services.request_mdt(
        admission.pk, question="术式选择", specialties="普外科、麻醉科", actor=nurse
    )
    services.answer_mdt(asked.pk, conclusion="腹腔镜修补", actor=nurse)
    with pytest.raises(DomainError) as again:
        services.answer_mdt(asked.pk, conclusion="开放修补", actor=nurse)
    assert again.value.code == "answered"
    asked.refresh_from_db()
    assert asked.conclusion == "腹腔镜修补"
