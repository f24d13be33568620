from django.urls import path

from onetrip.scheduling import kiosk_views, views

urlpatterns = [
    path("kiosk/", kiosk_views.kiosk_home, name="kiosk-home"),
    path("kiosk/book/", kiosk_views.kiosk_book, name="kiosk-book"),
    path("kiosk/slip/", kiosk_views.kiosk_slip, name="kiosk-slip"),
    path("p/book/", views.book_institutions, name="patient-book"),
    path("p/book/find", views.book_search, name="patient-book-search"),
    path(
        "p/book/institutions/<id:institution_id>/",
        views.book_departments,
        name="patient-book-institution",
    ),
    path(
        "p/book/departments/<id:department_id>/",
        views.book_doctors,
        name="patient-book-department",
    ),
    path("p/book/doctors/<id:doctor_id>/", views.book_days, name="patient-book-doctor"),
    path("p/book/sessions/<id:session_id>/", views.book_times, name="patient-book-session"),
    path("p/book/slots/<id:slot_id>/", views.book_confirm, name="patient-book-confirm"),
    path(
        "p/book/sessions/<id:session_id>/waitlist",
        views.patient_join_waitlist,
        name="patient-join-waitlist",
    ),
    path(
        "p/waitlist/<id:entry_id>/leave",
        views.patient_leave_waitlist,
        name="patient-leave-waitlist",
    ),
    path("p/appointments/", views.patient_appointments, name="patient-appointments"),
    path(
        "p/appointments/<id:appointment_id>",
        views.patient_appointment,
        name="patient-appointment",
    ),
    path(
        "p/appointments/<id:appointment_id>/queue",
        views.patient_queue,
        name="patient-appointment-queue",
    ),
    path(
        "p/appointments/<id:appointment_id>/reschedule",
        views.patient_reschedule,
        name="patient-appointment-reschedule",
    ),
    path(
        "p/appointments/<id:appointment_id>/cancel",
        views.patient_cancel,
        name="patient-appointment-cancel",
    ),
    path("staff/booking/", views.window_booking, name="staff-window-booking"),
    path("staff/booking/return-visit", views.return_visit_booking, name="staff-return-visit"),
    path(
        "staff/booking/appointments/<id:appointment_id>",
        views.booking_slip,
        name="staff-booking-slip",
    ),
]
