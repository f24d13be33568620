"""The domain-event log (R-KPI-1, R-KPI-2): an event exists exactly when its change does."""

import pytest
from django.db import transaction

from onetrip.conftest import NOW
from onetrip.core import events
from onetrip.core.events import EventKind
from onetrip.core.models import DomainEvent


@pytest.mark.django_db
def test_an_event_is_stamped_by_the_clock_and_names_its_record(clock, tertiary):
    with transaction.atomic():
        event = events.emit(
            EventKind.VISIT_CHECKED_IN,
            subject=tertiary,
            patient_id=7,
            institution_id=tertiary.pk,
            on_site=True,
            data={"visit_id": 3},
        )
    stored = DomainEvent.objects.get(pk=event.pk)
    assert (stored.kind, stored.occurred_at, stored.on_site) == ("visit.checked_in", NOW, True)
    assert (stored.subject_type, stored.subject_id) == ("consortium.institution", str(tertiary.pk))
    assert stored.data == {"visit_id": 3}


@pytest.mark.django_db
def test_an_event_rolls_back_with_the_change_it_reports(tertiary):
    def book_then_fail():
        with transaction.atomic():
            events.emit(EventKind.APPOINTMENT_BOOKED, subject=tertiary, patient_id=7)
            raise RuntimeError("the booking failed after the event was written")

    with pytest.raises(RuntimeError):
        book_then_fail()
    assert not DomainEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_event_outside_a_transaction_is_refused(tertiary):
    with pytest.raises(transaction.TransactionManagementError):
        events.emit(EventKind.APPOINTMENT_BOOKED, subject=tertiary, patient_id=7)
