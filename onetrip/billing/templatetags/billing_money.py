from django import template

from onetrip.billing.money import fen_to_yuan

register = template.Library()


@register.filter
def yuan(fen: int) -> str:
    """Integer fen shown as yuan: 1230 → "¥12.30"."""
    return f"¥{fen_to_yuan(fen)}"
