"""`onetrip empi dedupe|import|export`: the master patient index over a whole registry (R-ID-2)."""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onetrip.core.actors import Actor, ActorKind, Channel
from onetrip.core.errors import InvalidInput
from onetrip.mpi import registry


class Command(BaseCommand):
    help = "Master patient index: deduplicate the registry, import a registry CSV, export links."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        dedupe = commands.add_parser("dedupe", help="compare every record; resumable")
        dedupe.add_argument("--chunk", type=int, default=5000, help="records per commit")
        dedupe.add_argument("--restart", action="store_true", help="start over instead of resuming")
        load = commands.add_parser("import", help="register patients from a CSV file")
        load.add_argument("path", type=Path)
        load.add_argument(
            "--as-user", required=True, help="staff username the registrations are made as"
        )
        export = commands.add_parser("export", help="write patient → master ID links as CSV")
        export.add_argument("path", type=Path)

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"_{action}")(**options)

    def _dedupe(self, *, chunk: int, restart: bool, **options) -> None:
        bar = ProgressBar(self.stderr)
        try:
            run = registry.dedupe(chunk=chunk, restart=restart, progress=bar)
        except registry.BatchRunInProgress as exc:
            raise CommandError(str(exc.message)) from None
        bar.close()
        self.stdout.write(
            f"dedupe run {run.pk}: {run.compared} comparisons, {run.linked} linked, "
            f"{run.queued} queued for review"
        )

    def _import(self, *, path: Path, as_user: str, **options) -> None:
        actor = _staff(as_user)
        try:
            with path.open(newline="", encoding="utf-8-sig") as source:
                report = registry.import_csv(source, actor=actor)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        except InvalidInput as exc:
            raise CommandError(str(exc.message)) from None
        for line in report.skipped:
            self.stderr.write(f"skipped {line}")
        self.stdout.write(f"imported {report.imported}, skipped {len(report.skipped)}")

    def _export(self, *, path: Path, **options) -> None:
        with path.open("w", newline="", encoding="utf-8") as target:
            count = registry.export_links(target)
        self.stdout.write(f"exported {count} links to {path}")


def _staff(username: str) -> Actor:
    user = (
        get_user_model().objects.filter(username=username).select_related("staff_profile").first()
    )
    profile = getattr(user, "staff_profile", None)
    if user is None or profile is None:
        raise CommandError(f"no staff account {username!r}")
    return Actor(
        kind=ActorKind.STAFF,
        label=f"{username} (CSV import)",
        user=user,
        institution_id=profile.institution_id,
        channel=Channel.SYSTEM,
    )


class ProgressBar:
    """A one-line progress bar on stderr, with the rate so far."""

    WIDTH = 30

    def __init__(self, stream) -> None:
        self.stream = stream  # the command's OutputWrapper
        self.started = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        filled = self.WIDTH * done // max(total, 1)
        rate = done / max(time.monotonic() - self.started, 1e-6)
        self.stream.write(
            f"\r[{'#' * filled}{' ' * (self.WIDTH - filled)}] {done}/{total} records "
            f"({rate:,.0f}/s)",
            ending="",
        )

    def close(self) -> None:
        self.stream.write("")
