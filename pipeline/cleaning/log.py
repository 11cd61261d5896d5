"""The cleaning log: what each dataset's cleaning read, removed and could not map.

One `CleaningLog` per dataset, written to `<processed_dir>/cleaning_log.json` and shown
by the data-quality report, so that nothing is removed or coerced without a trace.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

LOG_FILE_NAME = "cleaning_log.json"


@dataclass
class CleaningLog:
    """Counts and lists for one dataset's cleaning (all fields are JSON-serialisable)."""

    dataset: str
    file: str = ""
    format: str = ""
    encoding: str | None = None
    rows_in: int = 0
    rows_out: int = 0
    exact_duplicates_removed: int = 0
    same_person_resolved: int = 0
    ids_zero_padded: int = 0
    # Each entry: {"column", "value", "count"} (raw value as found, after stripping).
    unparseable_dates: list[dict[str, Any]] = field(default_factory=list)
    unparseable_values: list[dict[str, Any]] = field(default_factory=list)
    unmapped: list[dict[str, Any]] = field(default_factory=list)
    # Dataset-specific counts, e.g. sectors classified / unknown, rows of long tables.
    notes: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def add_unmapped(self, column: str, counts: dict[str, int]) -> None:
        self.unmapped.extend(_entries(column, counts))

    def add_unparseable_dates(self, column: str, counts: dict[str, int]) -> None:
        self.unparseable_dates.extend(_entries(column, counts))

    def add_unparseable_values(self, column: str, counts: dict[str, int]) -> None:
        self.unparseable_values.extend(_entries(column, counts))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def unmapped_total(self) -> int:
        return sum(entry["count"] for entry in self.unmapped)


def _entries(column: str, counts: dict[str, int]) -> list[dict[str, Any]]:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"column": column, "value": value, "count": int(n)} for value, n in ordered]


def logs_summary(logs: dict[str, CleaningLog]) -> pd.DataFrame:
    """One row per dataset with the headline counts (for the data-quality report)."""
    rows = [
        {
            "dataset": log.dataset, "file": log.file, "format": log.format,
            "encoding": log.encoding, "rows_in": log.rows_in, "rows_out": log.rows_out,
            "exact_duplicates_removed": log.exact_duplicates_removed,
            "same_person_resolved": log.same_person_resolved,
            "ids_zero_padded": log.ids_zero_padded,
            "unparseable_dates": sum(e["count"] for e in log.unparseable_dates),
            "unparseable_values": sum(e["count"] for e in log.unparseable_values),
            "unmapped_values": log.unmapped_total, "error": log.error,
        }
        for log in logs.values()
    ]
    return pd.DataFrame(rows)


def issues_frame(logs: dict[str, CleaningLog]) -> pd.DataFrame:
    """Every unmapped or unparseable value, one row each: dataset, kind, column, value, count."""
    rows = [
        {"dataset": log.dataset, "kind": kind, **entry}
        for log in logs.values()
        for kind, entries in (
            ("unmapped", log.unmapped),
            ("unparseable date", log.unparseable_dates),
            ("unparseable value", log.unparseable_values),
        )
        for entry in entries
    ]
    return pd.DataFrame(rows, columns=["dataset", "kind", "column", "value", "count"])


def write_logs(logs: dict[str, CleaningLog], path: Path) -> None:
    """Write the logs as JSON (atomically: a temporary file, then rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    payload = {name: log.to_dict() for name, log in logs.items()}
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def read_logs(path: Path) -> dict[str, CleaningLog]:
    """Read `cleaning_log.json` back into `CleaningLog` objects."""
    payload = json.loads(Path(path).read_text(encoding="utf-8"))
    return {name: CleaningLog(**entry) for name, entry in payload.items()}
