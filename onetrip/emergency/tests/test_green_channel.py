"""The green-channel timeline: clocks from the accreditation standards, a late milestone only
with its reason, and the fees charged after treatment and settled afterwards."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.billing.models import Bill, PaymentChannel, SettlementMode
from onetrip.billing.services import settlements
from onetrip.conftest import actor_for
from onetrip.core.clock import now
from onetrip.core.errors import DomainError, InvalidInput
from onetrip.emergency import clocks, services
from onetrip.emergency.tests.conftest import a_run
from onetrip.emergency.tests.files import AECG_XML, PNG


def arrived_chest_pain(world, clock, register):
    register()
    run = a_run(world)
    services.identify_patient(run.pk, "resident_id", "110101199003074477", actor=world.crew)
    services.choose_destination(run.pk, world.centre.pk, actor=world.crew)
    clock.advance(dt.timedelta(minutes=1))
    services.record_moment(run.pk, "wheels_rolling", actor=world.crew)
    clock.advance(dt.timedelta(minutes=7))
    services.record_moment(run.pk, "on_scene", actor=world.crew)
    clock.advance(dt.timedelta(minutes=6))
    services.send_ecg(run.pk, waveform_name="a.xml", waveform=AECG_XML, image=PNG, actor=world.crew)
    services.activate_team(run.pk, actor=world.department)
    clock.advance(dt.timedelta(minutes=10))
    services.record_moment(run.pk, "leaving_scene", actor=world.crew)
    clock.advance(dt.timedelta(minutes=8))
    services.record_moment(run.pk, "at_hospital", actor=world.crew)
    return run


def test_the_chest_pain_clocks_run_from_the_recorded_moments(world, clock, register):
    run = arrived_chest_pain(world, clock, register)
    clock.advance(dt.timedelta(minutes=12))
    services.record_milestone(run.pk, "cath_lab", actor=world.department)
    clock.advance(dt.timedelta(minutes=40))
    services.record_milestone(run.pk, "wire", actor=world.department)
    arrival = services.view_arrival(run.pk, actor=world.department)
    by_code = {s.clock.code: s for s in arrival.clocks}
    assert (by_code["fmc_to_ecg"].minutes, by_code["fmc_to_ecg"].met) == (6, True)
    # Activated on scene, in the lab 30 minutes later (10 + 8 + 12): on target, just.
    assert (by_code["cath_lab_activation"].minutes, by_code["cath_lab_activation"].met) == (
        30,
        True,
    )
    assert (by_code["door_to_wire"].minutes, by_code["door_to_wire"].met) == (52, True)
    assert by_code["ecg_to_diagnosis"].started_at is not None
    assert by_code["ecg_to_diagnosis"].overdue  # running, past 10 minutes, not recorded


def test_a_late_milestone_needs_the_reason_for_the_delay(world, clock, register):
    run = arrived_chest_pain(world, clock, register)
    clock.advance(dt.timedelta(minutes=95))
    with pytest.raises(InvalidInput) as refused:
        services.record_milestone(run.pk, "wire", actor=world.department)
    assert refused.value.errors[0].field == "delay_reason"
    milestone = services.record_milestone(
        run.pk, "wire", delay_reason="患者家属犹豫，知情同意耗时", actor=world.department
    )
    assert milestone.delay_reason
    with pytest.raises(DomainError) as twice:
        services.record_milestone(run.pk, "wire", delay_reason="x", actor=world.department)
    assert twice.value.code == "already_recorded"


def test_a_milestone_cannot_be_in_the_future_or_before_the_call(world, clock, register):
    run = arrived_chest_pain(world, clock, register)
    with pytest.raises(InvalidInput):
        services.record_milestone(
            run.pk, "ct", at=now() + dt.timedelta(minutes=1), actor=world.department
        )
    with pytest.raises(InvalidInput):
        services.record_milestone(
            run.pk, "ct", at=run.call.received_at - dt.timedelta(minutes=1), actor=world.department
        )


def test_every_channel_has_clocks_with_their_source():
    for channel in ("chest_pain", "stroke", "trauma", "maternal", "neonatal"):
        assert clocks.CLOCKS[channel]
        assert all(c.source and c.target_minutes > 0 for c in clocks.CLOCKS[channel])
    assert {c.code: c.target_minutes for c in clocks.CLOCKS["stroke"]}["door_to_needle"] == 60


def test_fees_are_charged_after_treatment_and_settled_afterwards(
    world, clock, register, make_staff
):
    run = arrived_chest_pain(world, clock, register)
    services.record_milestone(run.pk, "wire", actor=world.department)
    services.charge_fee(run.pk, "EMG-AMBULANCE", actor=world.department)
    services.charge_fee(run.pk, "EMG-PCI", actor=world.department)
    assert [(f.code, f.paid) for f in services.fees_of(run)] == [
        ("EMG-AMBULANCE", False),
        ("EMG-PCI", False),
    ]
    bill = Bill.objects.get(visit_reference=services.visit_reference(run))
    cashier = actor_for(make_staff("finance", world.centre))
    settlements.settle_bill(
        settlements.SettlementRequest(
            bill_id=bill.pk, mode=SettlementMode.WINDOW, channel=PaymentChannel.CASH
        ),
        actor=cashier,
    )
    assert [f.paid for f in services.fees_of(run)] == [True, True]
    with pytest.raises(InvalidInput):
        services.charge_fee(run.pk, "REG-500", actor=world.department)
