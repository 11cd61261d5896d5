"""Run the expectation suites on the processed tables with Great Expectations 1.x.

GX runs offline in an ephemeral context (nothing written to disk, analytics and progress
bars off), one context per validation run. It is imported inside `validate_tables` only:
its import costs seconds and other modules import this package.

Schema-level checks GX 1.x cannot express on pandas 3 nullable dtypes (its type
expectations see `Int64` as `int64` and `string` as `str`) are done in pandas and
reported in the same results table, with `expectation` starting `pandas:`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import schema
from pipeline.config import Institution
from pipeline.quality.crosschecks import add_derived_columns, long_tables
from pipeline.quality.suites import CRITICAL, KEYS, WARNING, Check, suite_specs

SAMPLE_SIZE = 5
VALIDATION_JSON = "validation_results.json"
# Identifiers shown in the run's error message and the JSON, never in a report's sample.
HIDDEN_IN_SAMPLE = ("person_id",)
PII_NAMES = frozenset(name for cols in schema.PII_COLUMNS.values() for name in cols)
RESULT_COLUMNS = (
    "dataset", "check", "expectation", "column", "level", "success", "unexpected_count",
    "element_count", "unexpected_percent", "sample", "sample_rows",
)
REPORT_COLUMNS = (
    "dataset", "check", "column", "level", "success", "unexpected_count", "element_count",
    "unexpected_percent", "sample",
)


# Expectations grouped into kinds a reader understands; cross-table rules are checks on the
# derived `qc_*` columns (`crosschecks`), whatever expectation counts their failures.
CHECK_KINDS = {
    "expect_table_columns_to_match_set": "Columns present and of the right type",
    "pandas:no_extra_columns": "Columns present and of the right type",
    "pandas:column_kinds": "Columns present and of the right type",
    "pandas:column_dtypes": "Columns present and of the right type",
    "pandas:no_pii_columns": "No names, e-mails or staff IDs",
    "expect_column_values_to_not_be_null": "Required values present",
    "expect_column_values_to_be_in_set": "Values from the allowed lists",
    "expect_column_distinct_values_to_contain_set": "Expected categories present",
    "expect_column_values_to_be_between": "Numbers and dates in range",
    "expect_compound_columns_to_be_unique": "No duplicate records",
    "expect_column_values_to_be_unique": "No duplicate records",
    "qc": "Rules across columns and tables",
    "not run": "Not run (input missing)",
}
OTHER_KIND = "Other checks"


def check_kind(expectation: str, column: object) -> str:
    """The kind of check (`CHECK_KINDS`) an expectation on `column` belongs to."""
    if isinstance(column, str) and column.startswith("qc_"):
        return CHECK_KINDS["qc"]
    return CHECK_KINDS.get(expectation, OTHER_KIND)


class DataQualityError(ValueError):
    """A critical expectation failed: the run stops before any report is made."""

    def __init__(self, message: str, failures: pd.DataFrame) -> None:
        super().__init__(message)
        self.failures = failures


@dataclass
class ValidationReport:
    """Results of one validation run: one row per expectation (see `RESULT_COLUMNS`).

    `sample` holds a few offending values or rows without person IDs; `sample_rows`
    (the JSON and the error message only) holds the offending rows with their pseudonyms.
    `seconds` is the time validation took, without the one-off GX import.
    """

    results: pd.DataFrame
    year: int
    institution: str
    rows: dict[str, int]
    seconds: float
    gx_version: str

    @property
    def ok(self) -> bool:
        """True when no critical expectation failed."""
        return self.critical_failures().empty

    def critical_failures(self) -> pd.DataFrame:
        return self._failed(CRITICAL)

    def warnings(self) -> pd.DataFrame:
        """Failed warning-level expectations (shown in the data-quality report)."""
        return self._failed(WARNING)

    def _failed(self, level: str) -> pd.DataFrame:
        failed = self.results[(self.results["level"] == level) & ~self.results["success"]]
        return failed.reset_index(drop=True)

    def for_report(self) -> pd.DataFrame:
        """Results safe to show in a report: no `sample_rows` (they hold pseudonyms)."""
        return self.results.loc[:, list(REPORT_COLUMNS)].copy()

    def summary(self) -> pd.DataFrame:
        """Per dataset: rows validated, expectations, and how many failed at each level."""
        summary = self._counts(self.results["dataset"].rename("dataset"))
        summary.insert(0, "rows", summary.index.map(self.rows).astype("Int64"))
        return summary.reset_index()

    def by_kind(self) -> pd.DataFrame:
        """Per kind of check (`CHECK_KINDS`, in that order): expectations and results.

        What a reader needs instead of the full list (200 rows); the list is in the JSON.
        """
        res = self.results
        kinds = [check_kind(e, c) for e, c in zip(res["expectation"], res["column"],
                                                     strict=True)]
        counts = self._counts(pd.Series(kinds, index=res.index, name="kind"))
        order = dict.fromkeys([*CHECK_KINDS.values(), OTHER_KIND])
        return counts.loc[[kind for kind in order if kind in counts.index]].reset_index()

    def _counts(self, key: pd.Series) -> pd.DataFrame:
        res = self.results
        failed = ~res["success"]
        flags = pd.DataFrame({
            key.name: key, "expectations": 1, "passed": res["success"].astype(int),
            "critical_failed": (failed & (res["level"] == CRITICAL)).astype(int),
            "warnings_failed": (failed & (res["level"] == WARNING)).astype(int),
        })
        return flags.groupby(key.name, sort=False).sum()

    def raise_for_critical(self) -> None:
        """Raise `DataQualityError` naming each failed critical expectation, with a sample."""
        failures = self.critical_failures()
        if failures.empty:
            return
        lines = [
            f"Data quality: {len(failures)} critical expectation(s) failed for reporting year "
            f"{self.year}; no report was made. Fix the data or the cleaning, then rerun."
        ]
        lines += [_failure_line(row) for row in failures.to_dict("records")]
        raise DataQualityError("\n".join(lines), failures)

    def to_json(self, path: str | Path) -> Path:
        """Write the results (with sample rows) as JSON, e.g. beside the processed data."""
        path = Path(path)
        records = self.results.astype(object).where(self.results.notna(), None)
        payload = {
            "year": self.year, "institution": self.institution, "gx_version": self.gx_version,
            "seconds": round(self.seconds, 3), "rows": self.rows,
            "results": records.to_dict("records"),
        }
        path.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
        return path

    @classmethod
    def from_json(cls, path: str | Path) -> ValidationReport:
        """Read a report written by `to_json` (for the data-quality notebook)."""
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(
            results=_results_frame(payload["results"]), year=payload["year"],
            institution=payload["institution"], rows=payload["rows"],
            seconds=payload["seconds"], gx_version=payload["gx_version"],
        )


def _failure_line(row: dict[str, Any]) -> str:
    count = row["unexpected_count"]
    counted = "" if pd.isna(count) else f": {count} of {row['element_count']} rows fail"
    rows = row["sample_rows"] or []
    sample = "; ".join("{" + ", ".join(f"{k}: {v}" for k, v in r.items()) + "}" for r in rows)
    sample = sample or row["sample"] or ""
    where = f" on {row['column']}" if row["column"] else ""
    return (
        f"- {row['dataset']}: {row['check']} [{row['expectation']}{where}]{counted}"
        + (f"; e.g. {sample}" if sample else "")
    )


def _results_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(RESULT_COLUMNS))
    frame["success"] = frame["success"].astype(bool)
    for column in ("unexpected_count", "element_count"):
        frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    frame["unexpected_percent"] = pd.to_numeric(frame["unexpected_percent"]).astype("float64")
    frame["sample"] = frame["sample"].fillna("").astype(str)
    frame["sample_rows"] = frame["sample_rows"].map(lambda v: v if isinstance(v, list) else [])
    return frame


# --- Formatting samples -------------------------------------------------------------------

def _fmt(value: Any) -> str:
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return "<NA>"
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return str(value.date())
    return str(value)


def _row_text(row: dict[str, str]) -> str:
    shown = {k: v for k, v in row.items() if k not in HIDDEN_IN_SAMPLE}
    return ", ".join(f"{k}={v}" for k, v in shown.items())


def _sample(check: Check, frame: pd.DataFrame, indices: list[Any]) -> tuple[str, list[dict]]:
    """Public sample text and the full sample rows of a failed row-level expectation."""
    keys = KEYS.get(check.dataset, ()) if not check.table else ()
    columns = list(dict.fromkeys(
        c for c in (*check.columns, *check.context, *keys) if c in frame.columns
    ))
    picked = frame.loc[list(indices), columns]
    rows = [
        {k: _fmt(v) for k, v in r.items() if not k.startswith("qc_")}
        for r in picked.head(SAMPLE_SIZE).to_dict("records")
    ]
    value_check = (
        not check.table and len(check.columns) == 1 and check.columns[0] not in HIDDEN_IN_SAMPLE
        and not check.columns[0].startswith("qc_")
        and check.expectation != "ExpectColumnValuesToNotBeNull"
    )
    if value_check:
        values = picked[check.columns[0]].map(_fmt).drop_duplicates().head(SAMPLE_SIZE)
        return " | ".join(values), rows
    if check.expectation == "ExpectColumnValuesToNotBeNull":  # the value is <NA>: say where
        shown = [{k: v for k, v in r.items() if k not in check.columns} for r in rows]
    else:
        shown = rows
    return " | ".join(dict.fromkeys(filter(None, map(_row_text, shown)))), rows


# --- Pandas pre-checks (schema level) -----------------------------------------------------

def _kind_ok(series: pd.Series, expected: str) -> bool:
    """The column holds the expected kind of value, whatever the exact pandas dtype."""
    dtype = series.dtype
    types = pd.api.types
    if expected == "string":
        if isinstance(dtype, pd.StringDtype):
            return True
        return types.is_object_dtype(dtype) and series.dropna().map(type).eq(str).all()
    if expected == "Int64":
        return types.is_integer_dtype(dtype) and not types.is_bool_dtype(dtype)
    if expected == "float64":
        return types.is_numeric_dtype(dtype) and not types.is_bool_dtype(dtype)
    if expected.startswith("datetime64"):
        return types.is_datetime64_dtype(dtype)  # tz-naive only
    if expected == "boolean":
        return types.is_bool_dtype(dtype)
    raise KeyError(f"Unknown schema dtype {expected!r} for column {series.name!r}")


def _pre_row(dataset: str, check: str, name: str, level: str, bad: list[str],
             checked: int) -> dict[str, Any]:
    return {
        "dataset": dataset, "check": check, "expectation": f"pandas:{name}", "column": "",
        "level": level, "success": not bad, "unexpected_count": len(bad),
        "element_count": checked,
        "unexpected_percent": 100 * len(bad) / checked if checked else 0.0,
        "sample": " | ".join(bad[:SAMPLE_SIZE]), "sample_rows": [],
    }


def precheck_rows(dataset: str, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Column kinds (critical), exact dtypes (warning), PII (critical), extra columns (warning).

    Counts are of columns, not rows.
    """
    expected = schema.PROCESSED_COLUMNS[dataset]
    present = {c: d for c, d in expected.items() if c in frame.columns}
    wrong_kind = [f"{c}: {frame[c].dtype} (want {d})" for c, d in present.items()
                  if not _kind_ok(frame[c], d)]
    wrong_dtype = [f"{c}: {frame[c].dtype} (want {d})" for c, d in present.items()
                   if str(frame[c].dtype) != d]
    pii = [c for c in frame.columns if c in PII_NAMES]
    extra = [c for c in frame.columns if c not in expected and c not in PII_NAMES]
    return [
        _pre_row(dataset, "columns hold the schema's kind of value", "column_kinds", CRITICAL,
                 wrong_kind, len(present)),
        _pre_row(dataset, "columns have the schema's exact dtype", "column_dtypes", WARNING,
                 wrong_dtype, len(present)),
        _pre_row(dataset, "no personal-data columns", "no_pii_columns", CRITICAL,
                 pii, len(frame.columns)),
        _pre_row(dataset, "no columns beyond the schema", "no_extra_columns", WARNING,
                 extra, len(frame.columns)),
    ]


def _missing_dataset_row(dataset: str) -> dict[str, Any]:
    level = CRITICAL if dataset == "hr_staff" else WARNING
    row = _pre_row(dataset, "dataset present", "dataset_present", level, [dataset], 1)
    row["sample"] = f"no processed table {dataset}"
    return row


# --- Great Expectations -------------------------------------------------------------------

def _import_gx() -> str:
    """Import GX (3-4 s, once per process) with analytics off; its version."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx
    from great_expectations.execution_engine import pandas_execution_engine

    # GX hashes every dataframe batch under 1 GB (twice per validation) only to stamp a
    # fingerprint on it, which nothing here reads: ~10 s on a million-row survey.
    pandas_execution_engine.HASH_THRESHOLD = 0
    return gx.__version__


def _gx_context() -> Any:
    """An ephemeral GX context: in memory, analytics and progress bars off."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        store_backend_defaults=InMemoryStoreBackendDefaults(),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _not_run_row(check: Check, missing: list[str], frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "dataset": check.dataset, "check": check.description, "expectation": "not run",
        "column": check.column_label, "level": check.level, "success": False,
        "unexpected_count": pd.NA, "element_count": len(frame), "unexpected_percent": None,
        "sample": f"not run: column(s) {', '.join(missing)} missing", "sample_rows": [],
    }


def _gx_row(check: Check, result: Any, frame: pd.DataFrame) -> dict[str, Any]:
    info = result.result or {}
    row = {
        "dataset": check.dataset, "check": check.description,
        "expectation": result.expectation_config.type, "column": check.column_label,
        "level": check.level, "success": bool(result.success),
        "unexpected_count": info.get("unexpected_count", pd.NA),
        "element_count": info.get("element_count", len(frame)),
        "unexpected_percent": None, "sample": "", "sample_rows": [],
    }
    exception = result.exception_info or {}
    if exception.get("raised_exception"):
        row.update(success=False, sample=f"error: {exception.get('exception_message', '')}"[:300])
        return row
    if check.expectation == "ExpectTableColumnsToMatchSet":  # counts columns, not rows
        missing = (info.get("details") or {}).get("mismatched", {}).get("missing", [])
        row.update(unexpected_count=len(missing), element_count=len(check.kwargs["column_set"]))
        row["sample"] = "missing: " + ", ".join(missing) if missing else ""
    elif not row["success"] and info.get("partial_unexpected_index_list"):
        indices = info["partial_unexpected_index_list"]
        row["sample"], row["sample_rows"] = _sample(check, frame, indices)
    elif not row["success"] and check.expectation == "ExpectColumnDistinctValuesToContainSet":
        row["sample"] = f"no rows with {check.column_label} in {check.kwargs['value_set']}"
    elif not row["success"] and info.get("observed_value") is not None:
        row["sample"] = f"observed: {_fmt(info['observed_value'])}"
    if not pd.isna(row["unexpected_count"]) and row["element_count"]:
        row["unexpected_percent"] = 100 * row["unexpected_count"] / row["element_count"]
    return row


def _validate_frame(source: Any, asset: str, frame: pd.DataFrame | None,
                    checks: list[Check]) -> list[dict[str, Any]]:
    """Run `checks` on one frame (None: its long table could not be built)."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    rows: list[dict[str, Any] | None] = [None] * len(checks)
    expectations = []
    for index, check in enumerate(checks):
        if frame is None:
            rows[index] = _not_run_row(check, [f"input of {check.table}"], pd.DataFrame())
            continue
        missing = [c for c in check.columns if c not in frame.columns]
        if missing:
            rows[index] = _not_run_row(check, missing, frame)
            continue
        expectation = getattr(gxe, check.expectation)
        meta = {"level": check.level, "check_index": index}
        expectations.append(expectation(**check.kwargs, meta=meta))
    # Passing the list to the constructor skips add_expectation's quadratic duplicate search.
    suite = gx.ExpectationSuite(name=asset, expectations=expectations)
    if suite.expectations:
        batch = (
            source.add_dataframe_asset(asset)
            .add_batch_definition_whole_dataframe("whole")
            .get_batch(batch_parameters={"dataframe": frame})
        )
        # SUMMARY keeps the first indices of offending rows, all a sample needs.
        result_format = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE * 4}
        for result in batch.validate(suite, result_format=result_format).results:
            index = result.expectation_config.meta["check_index"]
            rows[index] = _gx_row(checks[index], result, frame)
    return [row for row in rows if row is not None]


def _validate_dataset(source: Any, dataset: str, frame: pd.DataFrame,
                      long: dict[str, pd.DataFrame], checks: list[Check]) -> list[dict[str, Any]]:
    """Checks on the dataset's frame, then those on each of its long tables."""
    rows = []
    for table in dict.fromkeys(check.table for check in checks):
        subset = [check for check in checks if check.table == table]
        target = frame if not table else long.get(table)
        rows += _validate_frame(source, f"{dataset}.{table}" if table else dataset, target, subset)
    return rows


def latest_census_year(tables: dict[str, pd.DataFrame]) -> int | None:
    """The latest `census_year` in `hr_staff`, if there is one."""
    staff = tables.get("hr_staff")
    if staff is None or "census_year" not in staff.columns:
        return None
    years = pd.to_numeric(staff["census_year"], errors="coerce").dropna()
    return int(years.max()) if len(years) else None


def validate_tables(
    tables: dict[str, pd.DataFrame], institution: Institution, year: int
) -> ValidationReport:
    """Validate processed tables (name -> frame, names from `schema.PROCESSED_COLUMNS`).

    Dates may not fall after 31 December of `year`, or of the latest census year when the
    tables reach further (an earlier year rerun on a later export). Tables not given are
    reported as missing (critical for `hr_staff`, else a warning). Nothing is raised for
    failed expectations: call `raise_for_critical()` to stop a run.
    """
    unknown = sorted(set(tables) - set(schema.PROCESSED_COLUMNS))
    if unknown:
        raise ValueError(
            f"validate_tables: unknown dataset name(s) {unknown}; "
            f"expected some of {list(schema.PROCESSED_COLUMNS)}"
        )
    if isinstance(year, bool) or not isinstance(year, int):
        raise TypeError(f"validate_tables: year must be an int, got {year!r}")
    gx_version = _import_gx()
    started = time.perf_counter()
    specs = suite_specs(institution, year, latest_census_year(tables))
    derived = add_derived_columns(tables, institution)
    built = long_tables(tables)
    long = {name: {table: frame for (ds, table), frame in built.items() if ds == name}
            for name in tables}
    source = _gx_context().data_sources.add_pandas("processed")
    rows: list[dict[str, Any]] = []
    for dataset, checks in specs.items():
        if dataset not in tables:
            rows.append(_missing_dataset_row(dataset))
            continue
        rows += precheck_rows(dataset, tables[dataset])
        rows += _validate_dataset(source, dataset, derived[dataset], long[dataset], checks)
    return ValidationReport(
        results=_results_frame(rows), year=year, institution=institution.name,
        rows={name: len(frame) for name, frame in tables.items()},
        seconds=time.perf_counter() - started, gx_version=gx_version,
    )


def load_processed(processed_dir: str | Path) -> dict[str, pd.DataFrame]:
    """Read `<dataset>.parquet` for every schema dataset present in `processed_dir`."""
    folder = Path(processed_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"No processed data folder {folder}: run the cleaning first")
    return {
        dataset: pd.read_parquet(folder / f"{dataset}.parquet")
        for dataset in schema.PROCESSED_COLUMNS
        if (folder / f"{dataset}.parquet").exists()
    }


def validate_processed_dir(
    processed_dir: str | Path, institution: Institution, year: int, *, stop: bool = True
) -> ValidationReport:
    """Validate a processed folder, write `validation_results.json` beside it, and
    (with `stop`) raise `DataQualityError` when a critical expectation failed."""
    report = validate_tables(load_processed(processed_dir), institution, year)
    report.to_json(Path(processed_dir) / VALIDATION_JSON)
    if stop:
        report.raise_for_critical()
    return report
