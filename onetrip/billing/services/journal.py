"""The double-entry journal (issue 6 item 7): every posting balances, or it is not written."""

from __future__ import annotations

from onetrip.billing.models import JournalEntry, JournalLine, Settlement
from onetrip.core import clock


class UnbalancedEntry(Exception):
    """A programming error: debits and credits of one posting differ."""


def post(settlement: Settlement, memo: str, lines: list[tuple[str, int, int]]) -> JournalEntry:
    """Post (account, debit_fen, credit_fen) lines; zero lines are left out."""
    lines = [line for line in lines if line[1] or line[2]]
    debits = sum(line[1] for line in lines)
    credits = sum(line[2] for line in lines)
    if debits != credits or not lines:
        raise UnbalancedEntry(f"{memo}: debits {debits} != credits {credits}")
    entry = JournalEntry.objects.create(settlement=settlement, memo=memo, posted_at=clock.now())
    JournalLine.objects.bulk_create(
        JournalLine(entry=entry, account=account, debit_fen=debit, credit_fen=credit)
        for account, debit, credit in lines
    )
    return entry
