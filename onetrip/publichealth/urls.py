"""Public-health pages: the vaccination desk at /staff/vaccination/, births at /staff/births/,
the hut worklist at /staff/huts/ (video consultations at /staff/huts/video/), mother and child at
/staff/maternal-child/; on the phone /p/vaccination/, /p/births/, /p/maternal-child/, /p/video/
and /p/home-care/."""

from django.urls import path

from onetrip.publichealth import views

urlpatterns = [
    path("staff/vaccination/", views.desk, name="publichealth-desk"),
    path("staff/vaccination/stock", views.stock, name="publichealth-stock"),
    path("staff/vaccination/visits/<id:visit_id>", views.visit_detail, name="publichealth-visit"),
    path(
        "staff/vaccination/visits/<id:visit_id>/screen",
        views.visit_screen,
        name="publichealth-visit-screen",
    ),
    path(
        "staff/vaccination/visits/<id:visit_id>/give",
        views.visit_give,
        name="publichealth-visit-give",
    ),
    path(
        "staff/vaccination/doses/<id:dose_id>/observed",
        views.dose_observed,
        name="publichealth-dose-observed",
    ),
    path("staff/vaccination/doses/<id:dose_id>/aefi", views.dose_aefi, name="publichealth-aefi"),
    path(
        "staff/vaccination/aefi/<id:event_id>/follow-up",
        views.aefi_follow_up,
        name="publichealth-aefi-follow-up",
    ),
    path("staff/vaccination/lots/<id:lot_id>", views.lot_detail, name="publichealth-lot"),
    path("staff/vaccination/lots/<id:lot_id>/recall", views.lot_recall, name="publichealth-recall"),
    path("staff/vaccination/people/<id:patient_id>", views.person_lots, name="publichealth-person"),
    path("staff/births/", views.births_list, name="publichealth-births"),
    path("staff/huts/", views.hut_worklist, name="publichealth-huts"),
    path(
        "staff/huts/readings/<id:reading_id>/follow-up",
        views.hut_follow_up,
        name="publichealth-hut-follow-up",
    ),
    path("staff/huts/<id:hut_id>/aed", views.hut_aed, name="publichealth-hut-aed"),
    path("staff/home-care/", views.home_care_desk, name="publichealth-home-care"),
    path("staff/home-care/visits/<id:visit_id>", views.home_visit, name="publichealth-home-visit"),
    path("p/vaccination/", views.patient_home, name="publichealth-patient-home"),
    path("p/vaccination/book", views.patient_book, name="publichealth-patient-book"),
    path(
        "p/vaccination/visits/<id:visit_id>",
        views.patient_visit,
        name="publichealth-patient-visit",
    ),
    path("p/vaccination/doses/<id:dose_id>", views.patient_dose, name="publichealth-patient-dose"),
    path("p/births/new", views.patient_birth_new, name="publichealth-patient-birth-new"),
    path("p/births/<id:application_id>", views.patient_birth, name="publichealth-patient-birth"),
    path("staff/maternal-child/", views.mch_desk, name="publichealth-mch-desk"),
    path(
        "staff/maternal-child/pregnancies/<id:pregnancy_id>",
        views.mch_pregnancy,
        name="publichealth-mch-pregnancy",
    ),
    path(
        "staff/maternal-child/children/<id:patient_id>",
        views.mch_child,
        name="publichealth-mch-child",
    ),
    path("staff/huts/video/", views.video_worklist, name="publichealth-videos"),
    path("staff/huts/video/<id:consultation_id>", views.video_detail, name="publichealth-video"),
    path("p/maternal-child/", views.patient_mch, name="publichealth-patient-mch"),
    path(
        "p/maternal-child/pregnancies/<id:pregnancy_id>",
        views.patient_pregnancy,
        name="publichealth-patient-pregnancy",
    ),
    path(
        "p/maternal-child/children/<id:patient_id>",
        views.patient_child,
        name="publichealth-patient-child",
    ),
    path("p/video/", views.patient_videos, name="publichealth-patient-videos"),
    path("p/video/<id:consultation_id>", views.patient_video, name="publichealth-patient-video"),
    path("p/home-care/", views.patient_home_care, name="publichealth-patient-home-care"),
]
