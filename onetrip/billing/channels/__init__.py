"""Payment channels (R-PAY-2) behind one adapter interface; `adapter_for(channel)` picks one."""

from __future__ import annotations

from onetrip.billing.channels.alipay import AlipayChannel
from onetrip.billing.channels.base import ChannelAdapter
from onetrip.billing.channels.counter import CounterChannel
from onetrip.billing.channels.wechat import WeChatPayChannel
from onetrip.billing.channels.ybpay import MobileInsuranceChannel
from onetrip.billing.models import PaymentChannel

ADAPTERS: dict[str, ChannelAdapter] = {
    PaymentChannel.CASH: CounterChannel(PaymentChannel.CASH, needs_reference=False),
    PaymentChannel.CHEQUE: CounterChannel(PaymentChannel.CHEQUE, needs_reference=True),
    PaymentChannel.BANK_CARD: CounterChannel(PaymentChannel.BANK_CARD, needs_reference=True),
    # Insurance pays its part through the insurance seam; a zero cash part closes at once.
    PaymentChannel.INSURANCE: CounterChannel(PaymentChannel.INSURANCE, needs_reference=False),
    PaymentChannel.CREDIT: CounterChannel(PaymentChannel.CREDIT, needs_reference=False),
    # The inpatient deposit covered a discharge's personal cash: a zero payment, closed at once.
    PaymentChannel.DEPOSIT: CounterChannel(PaymentChannel.DEPOSIT, needs_reference=False),
    PaymentChannel.WECHAT: WeChatPayChannel(),
    PaymentChannel.ALIPAY: AlipayChannel(),
    PaymentChannel.INSURANCE_MOBILE: MobileInsuranceChannel(),
}


def adapter_for(channel: str) -> ChannelAdapter:
    return ADAPTERS[channel]
