"""The house rules that check themselves (issue 18): the import contracts of `.importlinter`
and the service contract (`service_contract.py`) hold for the tree, and each of them fails on a
deliberate violation, so a contract that silently stopped checking would be noticed."""

from __future__ import annotations

import copy
import subprocess
import sys
import textwrap
from pathlib import Path

import importlinter.api  # noqa: F401  (configures import-linter's settings)
import pytest
from importlinter.application import use_cases

from onetrip.core.tests import service_contract

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / ".importlinter"


def test_the_import_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(lint_imports), "--config", str(CONFIG), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def contracts():
    """The contracts of `.importlinter` and onetrip's import graph, built once."""
    options = use_cases.read_user_options(str(CONFIG))
    use_cases._register_contract_types(options)
    graph = use_cases._build_graph(
        root_package_names=options.session_options["root_packages"],
        include_external_packages=False,
        exclude_type_checking_imports=False,
        verbose=False,
        cache_dir=None,
    )
    return options, graph


def broken(contracts, *imports: tuple[str, str]) -> set[str]:
    """The ids of the contracts broken once `imports` are added to onetrip's real graph."""
    options, graph = contracts
    graph = copy.deepcopy(graph)
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="")
    report = use_cases._build_report(
        graph=graph,
        graph_building_duration=0,
        user_options=options,
        limit_to_contracts=(),
        show_timings=False,
        verbose=False,
    )
    assert not report.could_not_run, report.invalid_contract_options
    return {
        contract.name for contract, check in report.get_contracts_and_checks() if not check.kept
    }


def names(options) -> dict[str, str]:
    return {option["id"]: option["name"] for option in options.contracts_options}


def test_the_real_graph_breaks_no_contract(contracts):
    assert broken(contracts) == set()


@pytest.mark.parametrize(
    ("importer", "imported", "contract"),
    [
        ("onetrip.core.audit", "onetrip.consortium.queries", "ground-floor"),
        ("onetrip.core.clock", "onetrip.web.sessions", "ground-floor"),
        ("onetrip.billing.services.charges", "onetrip.scheduling.models", "layers"),
        ("onetrip.exams.services", "onetrip.reports.services", "layers"),
        ("onetrip.notifications.services", "onetrip.identity.models", "layers"),
        ("onetrip.identity.services", "onetrip.mpi.services", "layers"),
        ("onetrip.insurance.services", "onetrip.billing.models", "layers"),
        ("onetrip.scheduling.api", "onetrip.billing.views", "interfaces"),
        ("onetrip.reports.fhir_views", "onetrip.identity.fhir_views", "interfaces"),
        ("onetrip.billing.services.payments", "onetrip.insurance.services", "seams"),
        ("onetrip.identity.models", "onetrip.web.sessions", "domains-below-web"),
        ("onetrip.web.auth", "onetrip.identity.api", "web-tier"),
        ("onetrip.scheduling.services.booking", "onetrip.scheduling.services.waitlist", "acyclic"),
    ],
)
def test_a_deliberate_violation_breaks_its_contract(contracts, importer, imported, contract):
    assert names(contracts[0])[contract] in broken(contracts, (importer, imported))


# --- the service contract -----------------------------------------------------------------


def test_the_tree_keeps_the_service_contract():
    found = service_contract.tree_violations(ROOT / "onetrip")
    assert not found, "\n".join(map(str, found))


def test_every_listed_exception_still_stands():
    """An exception that no longer matches a violation is removed, not kept as a loophole."""
    service_contract_exceptions = dict(service_contract.EXCEPTIONS)
    service_contract.EXCEPTIONS.clear()
    try:
        found = {(v.path, v.rule) for v in service_contract.tree_violations(ROOT / "onetrip")}
    finally:
        service_contract.EXCEPTIONS.update(service_contract_exceptions)
    assert set(service_contract_exceptions) <= found


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def rules(path: Path) -> list[str]:
    return [violation.rule for violation in service_contract.violations(path)]


def test_an_interface_that_opens_a_transaction_audits_and_notifies_is_refused(tmp_path):
    view = write(
        tmp_path,
        "views.py",
        """
        from django.db import transaction
        from onetrip.core import audit
        from onetrip.notifications import services as notifications

        def cashier(request, bill, actor):
            with transaction.atomic():
                notifications.notify("billing_link", phone=bill.phone, subject=bill, params={})
                audit.record_staff_read(actor, bill, patient_id=bill.patient_id, summary="x")
        """,
    )
    assert set(rules(view)) == {
        service_contract._TRANSACTION,
        service_contract._AUDIT,
        service_contract._NOTIFY,
    }


def test_a_decorated_transaction_in_an_api_is_refused(tmp_path):
    api = write(
        tmp_path,
        "api.py",
        """
        import django.db.transaction

        @django.db.transaction.atomic
        def create(request):
            return None
        """,
    )
    assert service_contract._TRANSACTION in rules(api)


def test_a_writer_taking_its_actor_positionally_is_refused(tmp_path):
    services = write(
        tmp_path,
        "services/things.py",
        """
        from django.db import transaction

        @transaction.atomic
        def cancel_thing(thing_id, actor):
            return thing_id

        def things_in_scope(actor):  # a read: not held to it
            return []

        @transaction.atomic
        def close_thing(thing_id, *, actor):
            return thing_id
        """,
    )
    assert rules(services) == [f"cancel_thing {service_contract._ACTOR}"]


def test_reading_the_wall_clock_is_refused_anywhere(tmp_path):
    module = write(
        tmp_path,
        "planning.py",
        """
        from django.utils import timezone

        def today():
            return timezone.now().date()
        """,
    )
    assert rules(module) == [service_contract._CLOCK]


def test_a_thin_interface_passes(tmp_path):
    view = write(
        tmp_path,
        "views.py",
        """
        from onetrip.billing.services import outstanding

        def text_link(request, bill, actor):
            outstanding.text_bill_link(bill_id=bill.pk, link="/p/bills/x/", actor=actor)
        """,
    )
    assert rules(view) == []
