"""Where the IHTC-2024 files live for the tests: the toy example ships with the tests, the
competition's archives are read from the shared benchmark folder (tests needing them skip,
saying why, on a machine without it)."""

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent / "ihtc_data"
SHARED = Path(os.environ.get("IHTC_DATA", "/work/shared/benchmarks/ihtc2024"))


def toy() -> tuple[dict[str, Any], dict[str, Any]]:
    return _load(HERE / "toy.json"), _load(HERE / "toy_solution.json")


def from_archive(archive: str, name: str) -> dict[str, Any]:
    path = SHARED / archive
    if not path.exists():
        pytest.skip(f"IHTC archive {path} is not on this machine")
    with zipfile.ZipFile(path) as zipped:
        data: dict[str, Any] = json.loads(zipped.read(name))
    return data


def _load(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data
