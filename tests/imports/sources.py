"""The import tests' sources: the trimmed CQC records in fixtures/ (see fixtures/README.md for
their attribution) and what each record says is in force."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
RECORDS = json.loads((FIXTURES / "locations.json").read_text())


def current_ratings(record: dict) -> dict[tuple[str | None, str], tuple[str, str]]:
    """The record's currentRatings as {(service, key question): (rating, date)}."""
    cr = record["currentRatings"]
    overall = cr["overall"]
    cells = {(None, "Overall"): (overall["rating"], overall["reportDate"])}
    cells |= {(None, k["name"]): (k["rating"], k["reportDate"]) for k in overall.get("keyQuestionRatings", [])}
    for service in cr["serviceRatings"]:
        cells[(service["name"], "Overall")] = (service["rating"], service["reportDate"])
        cells |= {(service["name"], k["name"]): (k["rating"], service["reportDate"])
                  for k in service.get("keyQuestionRatings", [])}
    return cells
