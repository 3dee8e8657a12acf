"""A grid as a file to save: CSV (one row per cell, safe in a spreadsheet) or JSON in the shape
of `flask grid --json`, under a name that says what and as of when."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, jsonify

from app.audit.log import csv_cell
from app.inspections.grids import HospitalGrid
from app.inspections.models import Inspection

CSV_COLUMNS = ("Service", "Service code", "Key question", "Rating", "Date", "Illustrative")


def grid_csv(grid: HospitalGrid) -> str:
    """The grid as CSV: a header row, then one row per present cell in the grid's order.

    Every cell goes through csv_cell, so text a spreadsheet would run as a formula (= + - @)
    gets a leading apostrophe. Starts with a byte-order mark so that Excel reads UTF-8.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in grid.rows:
        for cell in row.cells:
            if cell is None:
                continue
            writer.writerow(
                csv_cell(value)
                for value in (
                    row.label,
                    row.service_code or "",
                    cell.key_question,
                    cell.rating,
                    cell.published_on.isoformat(),
                    "yes" if grid.is_illustrative(row, cell) else "no",
                )
            )
    return "\ufeff" + buffer.getvalue()


def grid_json(grid: HospitalGrid, inspection: Inspection | None = None) -> dict[str, Any]:
    """The download's JSON: `flask grid --json`'s shape (as_json); an internal grid adds
    "official": false, and one inspection's grid its "inspection_id", so that neither can
    pass for the official current grid."""
    data = grid.as_json()
    if not grid.official:
        data["official"] = False
    if inspection is not None:
        data["inspection_id"] = inspection.id
    return data


def download_name(grid: HospitalGrid, extension: str, inspection: Inspection | None = None) -> str:
    """The code, what the grid is and its date: R1HKH-grid-2016-06-01.csv,
    R1HKH-inspection-7-grid-2016-12-16.json, R1HKH-internal-inspection-9-grid-2025-05-01.csv."""
    if inspection is None:
        what = "grid"
    elif inspection.official:
        what = f"inspection-{inspection.id}-grid"
    else:
        what = f"internal-inspection-{inspection.id}-grid"
    return f"{grid.hospital_code}-{what}-{grid.as_of.isoformat()}.{extension}"


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def csv_response(grid: HospitalGrid, inspection: Inspection | None = None) -> Response:
    """A grid as a CSV file to save (shared with the inspection's download)."""
    headers = _attachment(download_name(grid, "csv", inspection))
    return Response(grid_csv(grid), mimetype="text/csv", headers=headers)


def json_response(grid: HospitalGrid, inspection: Inspection | None = None) -> Response:
    """A grid as a JSON file to save, in the shape of `flask grid --json`."""
    response = jsonify(grid_json(grid, inspection))
    response.headers.update(_attachment(download_name(grid, "json", inspection)))
    return response
