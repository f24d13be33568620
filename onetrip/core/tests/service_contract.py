"""The service contract, read from the source (issue 18, D98): interfaces are thin adapters and
every state change is a service.

- An interface module (`api.py`, `views.py`, `fhir_views.py`, `staff_views.py`, `admin.py`, and
  the shared interface tier `onetrip/web/`) opens no transaction, writes no audit row and sends
  no notification: the service it calls does all three, in its own transaction.
- A service (`services.py` or a module of a `services/` package) that takes an `actor` takes it
  keyword-only (`def book_slot(request, *, actor)`).
- Nothing outside tests reads the wall clock (`timezone.now()`, `datetime.now()`): the one clock
  is `onetrip.core.clock`.

`violations(path)` reads one file; `tree_violations(root)` a whole tree. Known exceptions are
listed in `EXCEPTIONS` with their reason, as the import contracts list theirs."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

INTERFACE_MODULES = {"api.py", "views.py", "fhir_views.py", "staff_views.py", "admin.py"}

# What an interface may not do, by the names it would do it with.
_TRANSACTION = "opens a transaction (a service's job)"
_AUDIT = "writes an audit row (a service's job, in its transaction)"
_NOTIFY = "sends a notification (a service's job, in its transaction)"
_ACTOR = "takes `actor` positionally (a service's actor is keyword-only)"
_CLOCK = "reads the wall clock (use onetrip.core.clock)"

_AUDIT_WRITERS = {"record", "record_staff_read"}
_WALL_CLOCK = {("timezone", "now"), ("datetime", "now"), ("datetime", "utcnow"), ("date", "today")}

# Known exceptions: (path, rule) → why it stands. Add none without its reason; a test fails
# when one no longer matches anything.
EXCEPTIONS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True, order=True)
class Violation:
    path: str
    line: int
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}"


def _is_interface(path: Path) -> bool:
    return (
        path.name in INTERFACE_MODULES
        or path.name.endswith(("_views.py", "_api.py"))  # kiosk_views.py, staff_views.py, …
        or path.parent.name == "web"
    )


def _is_service(path: Path) -> bool:
    return path.name == "services.py" or path.parent.name == "services"


def _dotted(node: ast.AST) -> tuple[str, ...]:
    """`a.b.c` as ("a", "b", "c"); () for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return tuple(reversed(parts))
    return ()


def _interface_violations(tree: ast.Module) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = {alias.name for alias in node.names}
            if node.module == "django.db" and "transaction" in names:
                found.append((node.lineno, _TRANSACTION))
            if node.module == "onetrip.core" and "audit" in names:
                found.append((node.lineno, _AUDIT))
            if node.module == "onetrip.core.audit" and names & _AUDIT_WRITERS:
                found.append((node.lineno, _AUDIT))
            if (node.module or "").startswith("onetrip.notifications") and "notify" in names:
                found.append((node.lineno, _NOTIFY))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "django.db.transaction":
                    found.append((node.lineno, _TRANSACTION))
                if alias.name == "onetrip.core.audit":
                    found.append((node.lineno, _AUDIT))
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name[-1:] == ("atomic",):
                found.append((node.lineno, _TRANSACTION))
            elif len(name) >= 2 and name[-2] == "audit" and name[-1] in _AUDIT_WRITERS:
                found.append((node.lineno, _AUDIT))
            elif name[-1:] == ("notify",) and (len(name) == 1 or "notifications" in name[-2]):
                found.append((node.lineno, _NOTIFY))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                if _dotted(decorator)[-1:] == ("atomic",):
                    found.append((decorator.lineno, _TRANSACTION))
    return found


def _opens_transaction(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        isinstance(node, ast.Call | ast.Attribute)
        and _dotted(node)[-1:] == ("atomic",)
        or isinstance(node, ast.Call)
        and _dotted(node.func)[-1:] == ("atomic",)
        for node in ast.walk(function)
    )


def _service_violations(tree: ast.Module) -> list[tuple[int, str]]:
    """A public writer (a function that opens a transaction) taking an actor takes it
    keyword-only. Reads and scope helpers (`bills_in_scope(actor)`) are not held to it."""
    found: list[tuple[int, str]] = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if node.name.startswith("_") or not _opens_transaction(node):
            continue
        positional = [*node.args.posonlyargs, *node.args.args]
        if any(arg.arg == "actor" for arg in positional):
            found.append((node.lineno, f"{node.name} {_ACTOR}"))
    return found


def _clock_violations(tree: ast.Module) -> list[tuple[int, str]]:
    return [
        (node.lineno, _CLOCK)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _dotted(node.func)[-2:] in _WALL_CLOCK
    ]


def violations(path: Path, *, shown_as: str | None = None) -> list[Violation]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = _clock_violations(tree)
    if _is_interface(path):
        found += _interface_violations(tree)
    if _is_service(path):
        found += _service_violations(tree)
    where = shown_as or str(path)
    return sorted(
        Violation(where, line, rule) for line, rule in set(found) if (where, rule) not in EXCEPTIONS
    )


def tree_violations(root: Path) -> list[Violation]:
    """Every violation in the app code below `root` (tests, migrations and management commands
    are not interfaces in this sense: the latter run as the system through the services)."""
    found: list[Violation] = []
    for path in sorted(root.rglob("*.py")):
        parts = set(path.relative_to(root).parts)
        if parts & {"tests", "migrations", "management"} or path.name == "conftest.py":
            continue
        found += violations(path, shown_as=str(path.relative_to(root.parent)))
    return found
