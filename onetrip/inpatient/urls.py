"""Inpatient pages: the admission preparation centre at /staff/inpatient/ (its weekly plan at
/staff/inpatient/plan/), the doctor's notice at
/staff/inpatient/notices/new, the patient's admissions at /p/inpatient/."""

from django.urls import path

from onetrip.inpatient import views

STEPS = {
    "book": views.book_bed,
    "ready": views.bed_ready,
    "pre-admission": views.pre_admission,
    "admit": views.admit,
    "blood-donor": views.blood_claim,
    "deposit": views.deposit,
    "transfer": views.transfer,
    "assess": views.assess,
    "discharge": views.discharge,
    "follow-up": views.follow_up,
    "cancel": views.cancel,
    "pathway": views.enrol,
    "variance": views.variance,
    "pathway-exit": views.exit_pathway,
    "mdt": views.mdt,
}

urlpatterns = [
    path("staff/inpatient/", views.centre, name="inpatient-centre"),
    path("staff/inpatient/beds/", views.bed_board, name="inpatient-beds"),
    path("staff/inpatient/plan/", views.week_plan, name="inpatient-plan"),
    path("staff/inpatient/notices/new", views.new_notice, name="inpatient-notice-new"),
    path(
        "staff/inpatient/admissions/<id:admission_id>",
        views.admission,
        name="inpatient-admission",
    ),
    path(
        "staff/inpatient/admissions/<id:admission_id>/list.pdf",
        views.itemised_pdf,
        name="inpatient-list-pdf",
    ),
    path(
        "staff/inpatient/admissions/<id:admission_id>/summary.pdf",
        views.summary_pdf,
        name="inpatient-summary-pdf",
    ),
    *(
        path(
            f"staff/inpatient/admissions/<id:admission_id>/{step}",
            view,
            name=f"inpatient-{step}",
        )
        for step, view in STEPS.items()
    ),
    path("staff/inpatient/mdt/<id:mdt_id>/answer", views.mdt_answer, name="inpatient-mdt-answer"),
    path("p/inpatient/", views.patient_admissions, name="inpatient-patient-home"),
    path(
        "p/inpatient/<id:admission_id>",
        views.patient_admission,
        name="inpatient-patient-admission",
    ),
]
