"""The double-entry journal (issue 6 item 7): every posting balances, or it is not written."""

from __future__ import annotations

from django.db import connection

from onetrip.billing.models import JournalEntry, JournalLine, Settlement
from onetrip.core import clock

# The entry and its lines in one round trip: the lines take the id the entry's INSERT returns.
POST_ON_POSTGRESQL = f"""
WITH entry AS (
    INSERT INTO {JournalEntry._meta.db_table} (settlement_id, memo, posted_at)
    VALUES (%s, %s, %s) RETURNING id
)
INSERT INTO {JournalLine._meta.db_table} (entry_id, account, debit_fen, credit_fen)
SELECT entry.id, line.account, line.debit_fen, line.credit_fen
FROM entry, unnest(%s::varchar[], %s::integer[], %s::integer[])
    WITH ORDINALITY AS line(account, debit_fen, credit_fen, n)
ORDER BY line.n
"""


class UnbalancedEntry(Exception):
    """A programming error: debits and credits of one posting differ."""


def post(settlement: Settlement, memo: str, lines: list[tuple[str, int, int]]) -> None:
    """Post (account, debit_fen, credit_fen) lines; zero lines are left out."""
    lines = [line for line in lines if line[1] or line[2]]
    debits = sum(line[1] for line in lines)
    credits = sum(line[2] for line in lines)
    if debits != credits or not lines:
        raise UnbalancedEntry(f"{memo}: debits {debits} != credits {credits}")
    posted_at = clock.now()
    if connection.vendor == "postgresql":
        accounts, debit_fen, credit_fen = (list(column) for column in zip(*lines, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(
                POST_ON_POSTGRESQL,
                [settlement.pk, memo, posted_at, accounts, debit_fen, credit_fen],
            )
        return
    # SQLite (the demo) has no INSERT inside WITH: the entry, then its lines.
    entry = JournalEntry.objects.create(settlement=settlement, memo=memo, posted_at=posted_at)
    JournalLine.objects.bulk_create(
        JournalLine(entry=entry, account=account, debit_fen=debit, credit_fen=credit)
        for account, debit, credit in lines
    )
