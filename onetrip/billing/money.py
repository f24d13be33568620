"""Fen ⇄ yuan text, exactly (no floats): providers and SMS texts speak yuan, we keep fen."""

from __future__ import annotations


def fen_to_yuan(fen: int) -> str:
    return f"{'-' if fen < 0 else ''}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def yuan_to_fen(text: str) -> int:
    """'12.30' → 1230 exactly (no floats); raises ValueError on anything else."""
    sign_, digits = (-1, text[1:]) if text.startswith("-") else (1, text)
    whole, _, cents = digits.partition(".")
    if not whole.isdigit() or len(cents) > 2 or (cents and not cents.isdigit()):
        raise ValueError(f"not an amount in yuan: {text!r}")
    return sign_ * (int(whole) * 100 + int(cents.ljust(2, "0") or 0))
