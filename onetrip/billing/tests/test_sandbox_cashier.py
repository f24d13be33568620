"""The sandbox cashier stands in for the provider's page: it marks an order paid, so its address
must not be guessable from the settlement number (issue 12, item 3; D57)."""

import pytest

from onetrip.billing.models import Settlement
from onetrip.billing.tests.helpers import settle

pytestmark = pytest.mark.django_db


def test_a_guessed_cashier_address_is_not_found(client, bill, cashier):
    pending = settle(bill, cashier, channel="wechat")
    guessed = f"/sandbox/wechat/cashier/{pending.payment.out_trade_no}/"

    assert client.get(guessed).status_code == 404
    assert client.post(guessed, {"return_to": "/"}).status_code == 404
    signed = pending.payment.cashier_url.rstrip("/")
    tampered = signed[:-1] + ("A" if signed[-1] != "A" else "B") + "/"
    assert client.get(tampered).status_code == 404
    assert Settlement.objects.get().status == "pending"


def test_the_signed_cashier_address_pays(client, bill, cashier, django_capture_on_commit_callbacks):
    pending = settle(bill, cashier, channel="wechat")

    assert client.get(pending.payment.cashier_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(pending.payment.cashier_url, {"return_to": "/"})

    assert Settlement.objects.get().status == "settled"
