"""The open data export: CSV files a region or ICB can load (Power BI and the like), and a
README that describes every column of every file.

The files and their columns are declared once, in FILES; the README is written from the same
declarations, so the two cannot drift apart (and a test checks every cell against them).

What leaves the trust: every trust's and hospital's current official grid (one row per cell),
the published official inspections, their findings, and the improvement actions. No person is
named: an action's owner appears as the post's title only, and free text that the trust writes
(action descriptions, progress notes, reasons) stays behind. Internal (mock and peer-review)
inspections are the trust's own assurance work and stay behind too.
"""

from app.exports.opendata.files import FILES
from app.exports.opendata.snapshot import WITHHELD, Column, DataFile
from app.exports.opendata.writing import ATTRIBUTION, OpenDataSummary, readme_text, write_csv, write_open_data

__all__ = [
    "ATTRIBUTION", "FILES", "WITHHELD", "Column", "DataFile", "OpenDataSummary", "readme_text", "write_csv",
    "write_open_data",
]
