"""Data-quality expectations (Great Expectations 1.x) on the processed tables.

Typical use, after cleaning and before any report::

    report = validate_processed_dir(paths.processed_dir(year), institution, year)
    # writes validation_results.json beside the data; raises DataQualityError if critical

The data-quality notebook reads `ValidationReport.from_json(...)` and shows `summary()`,
`for_report()` and `warnings()`; it must not show `sample_rows` (they hold pseudonyms).
GX itself is imported only when a validation runs.
"""

from pipeline.quality.suites import CRITICAL, WARNING, Check, suite_specs
from pipeline.quality.validate import (
    VALIDATION_JSON,
    DataQualityError,
    ValidationReport,
    load_processed,
    validate_processed_dir,
    validate_tables,
)

__all__ = [
    "CRITICAL",
    "WARNING",
    "VALIDATION_JSON",
    "Check",
    "DataQualityError",
    "ValidationReport",
    "load_processed",
    "suite_specs",
    "validate_processed_dir",
    "validate_tables",
]
