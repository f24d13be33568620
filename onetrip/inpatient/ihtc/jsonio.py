"""Reading instances and writing solutions in the competition's JSON format."""

import json
from pathlib import Path
from typing import Any


def read_json(path: str | Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def write_solution(solution: dict[str, Any], path: str | Path) -> None:
    # Only the two sections the validator reads; extra keys (our own "costs") ride along
    # because the published reference solutions carry them too.
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(solution, handle, indent=1)
        handle.write("\n")
