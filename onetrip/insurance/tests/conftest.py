from __future__ import annotations

import pytest

from onetrip.conftest import actor_for
from onetrip.insurance.services import InsuredItem


@pytest.fixture
def cashier(make_staff, tertiary):
    """A billing-and-finance clerk at the tertiary hospital."""
    return actor_for(make_staff("finance", tertiary))


@pytest.fixture
def patient(register, clock):
    return register()


def item(category: str, amount_fen: int, code: str = "") -> InsuredItem:
    return InsuredItem(
        code=code or f"ITEM-{category}",
        name=f"item {category}",
        category=category,
        quantity=1,
        unit_price_fen=amount_fen,
        amount_fen=amount_fen,
    )
