"""One batch run of the master patient index at a time (issue 17)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.utils.translation import gettext as _

from onetrip.core.errors import DomainError

# PostgreSQL advisory lock key of the index's batch runs (dedupe and legacy loads): "MPI".
BATCH_RUN_LOCK = 0x4D5049


class BatchRunInProgress(DomainError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "Another deduplication or legacy load is running on the master patient index; "
                "run this again when it has finished."
            ),
            code="batch_run_in_progress",
        )


@contextmanager
def one_batch_run_at_a_time() -> Iterator[None]:
    """Two runs linking the same persons in different orders deadlock on mpi_person; the second
    one is refused at once instead (a session-level advisory lock: a run spans many
    transactions). SQLite has one writer anyway."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [BATCH_RUN_LOCK])
        if not cursor.fetchone()[0]:
            raise BatchRunInProgress()
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [BATCH_RUN_LOCK])
