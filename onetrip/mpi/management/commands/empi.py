"""`onetrip empi dedupe|import|export`: the master patient index over a whole registry (R-ID-2)."""

from __future__ import annotations

import csv
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onetrip.core.actors import Actor, ActorKind, Channel
from onetrip.core.errors import DomainError
from onetrip.mpi import legacy, registry, runlock


class Command(BaseCommand):
    help = "Master patient index: deduplicate the registry, import a registry CSV, export links."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        dedupe = commands.add_parser("dedupe", help="compare every record; resumable")
        dedupe.add_argument("--chunk", type=int, default=5000, help="records per commit")
        dedupe.add_argument("--restart", action="store_true", help="start over instead of resuming")
        dedupe.add_argument(
            "--set-weights",
            action="store_true",
            help="score with the set m instead of m estimated from the registry (D263)",
        )
        load = commands.add_parser(
            "import", help="load a legacy registry CSV: link, flag and keep rows; never drop one"
        )
        load.add_argument("path", type=Path)
        load.add_argument(
            "--as-user", required=True, help="staff username the records are loaded as"
        )
        load.add_argument(
            "--encoding",
            help="the file's encoding (default: UTF-8, with or without BOM, else GB18030)",
        )
        load.add_argument(
            "--source-system",
            help="source system of rows without a source_system column (default: file name)",
        )
        export = commands.add_parser(
            "export", help="write the cross-reference: every record and loaded row → master ID"
        )
        export.add_argument("path", type=Path)

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"_{action}")(**options)

    def _dedupe(self, *, chunk: int, restart: bool, set_weights: bool, **options) -> None:
        bar = ProgressBar(self.stderr)
        try:
            run = registry.dedupe(
                chunk=chunk, restart=restart, estimate=not set_weights, progress=bar
            )
        except runlock.BatchRunInProgress as exc:
            raise CommandError(str(exc.message)) from None
        bar.close()
        self.stdout.write(
            f"dedupe run {run.pk}: {run.compared} comparisons, {run.linked} linked, "
            f"{run.queued} queued for review"
        )
        for level, values in run.weights.get("levels", {}).items():
            self.stdout.write(
                f"  m {level}: {values['m_set']} set, {values['m']} estimated "
                f"({values['delta_bits']:+} bits)"
            )

    def _import(
        self,
        *,
        path: Path,
        as_user: str,
        source_system: str | None,
        encoding: str | None,
        **options,
    ) -> None:
        actor = _staff(as_user)
        bar = ProgressBar(self.stderr)
        try:
            encoding, total = _encoding_and_rows(path, encoding)
            with path.open(newline="", encoding=encoding) as source:
                report = legacy.load_csv(
                    source,
                    actor=actor,
                    default_system=source_system or path.stem,
                    progress=bar,
                    total=total,
                )
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        bar.close()
        for line in report.problems:
            self.stderr.write(f"not loaded {line}")
        self.stdout.write(
            f"loaded {report.rows} rows: {report.registered} registered, {report.linked} linked "
            f"to a record on file, {report.kept} kept without a record, {report.refused} "
            f"refused, {report.already_loaded} already loaded"
        )

    def _export(self, *, path: Path, **options) -> None:
        # Written beside the target and renamed when complete: a failed export leaves no half
        # file under the name a consortium's scripts read.
        partial = path.with_name(f".{path.name}.partial")
        try:
            with partial.open("w", newline="", encoding="utf-8") as target:
                count = legacy.export_cross_reference(target)
            partial.replace(path)
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror}") from None
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(f"exported {count} records to {path}")


# Chinese hospital systems export GBK as often as UTF-8; GB18030 reads GBK and GB2312 files.
FALLBACK_ENCODING = "gb18030"


def _encoding_and_rows(path: Path, encoding: str | None) -> tuple[str, int]:
    """The file's encoding and its number of rows after the header, read through once before
    anything is loaded: a file that does not decode, or is no CSV (an unclosed quote running to
    the end, a field over the csv module's 128 KiB), is refused whole, not half loaded."""
    for candidate in [encoding] if encoding else ["utf-8-sig", FALLBACK_ENCODING]:
        try:
            with path.open(newline="", encoding=candidate) as source:
                reader = csv.reader(source)
                return candidate, max(sum(1 for row in reader if row) - 1, 0)
        except LookupError:
            raise CommandError(f"unknown encoding {candidate!r}") from None
        except UnicodeDecodeError as exc:
            failure = exc
        except csv.Error as exc:
            raise CommandError(f"{path}, line {reader.line_num}: {exc}") from None
    raise CommandError(
        f"{path} is not {failure.encoding} text (byte {failure.start}); "
        "name its encoding with --encoding"
    )


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
