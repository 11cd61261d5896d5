"""Mapping tables: analyst-editable CSV files that turn raw spellings into canonical values.

Each `mappings/<name>.csv` has columns `raw,canonical`. A raw value matches after
normalising both sides (strip, casefold, curly quotes to straight, whitespace collapsed),
so `' so 3 '` and `'SO 3'` are one entry. A blank `canonical` means "this spelling is a
blank answer" (e.g. `N/A`). The canonical values themselves always map to themselves.
A non-blank value with no entry is *unmapped*: it becomes <NA> and is listed in the log.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.cleaning.log import CleaningLog

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
_UNMAPPED = object()  # sentinel: no entry in the table


class MappingError(ValueError):
    """A mapping table is missing or malformed."""


def normalise_key(value: object) -> str:
    """The form in which raw values and mapping entries are compared."""
    text = str(value).replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().casefold()


@lru_cache(maxsize=64)
def _load(path: Path, mtime: float) -> dict[str, str | None]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"raw", "canonical"} <= set(reader.fieldnames):
            raise MappingError(f"{path}: needs the columns raw,canonical; has {reader.fieldnames}")
        table: dict[str, str | None] = {}
        for line, row in enumerate(reader, start=2):
            key = normalise_key(row["raw"] or "")
            canonical = (row["canonical"] or "").strip() or None
            if not key:
                continue
            if key in table and table[key] != canonical:
                raise MappingError(
                    f"{path} line {line}: {row['raw']!r} maps to both {table[key]!r} and "
                    f"{canonical!r}"
                )
            table[key] = canonical
    return table


def load_mapping(name: str, mapping_dir: Path = MAPPINGS_DIR) -> dict[str, str | None]:
    """`mappings/<name>.csv` as {normalised raw: canonical or None (blank)}."""
    path = Path(mapping_dir) / f"{name}.csv"
    if not path.exists():
        raise MappingError(f"Mapping table {path} does not exist")
    return dict(_load(path, path.stat().st_mtime))


def map_values(
    values: pd.Series,
    name: str,
    *,
    column: str,
    log: CleaningLog,
    allowed: Iterable[str] | None = None,
) -> pd.Series:
    """Map raw spellings to canonical values through `mappings/<name>.csv`.

    `allowed`: the canonical values valid here (e.g. the institution's grades). They map
    to themselves, and a table entry pointing outside them counts as unmapped, so a grade
    of another institution is reported rather than accepted. Unmapped values -> <NA>,
    counted by raw value in `log.unmapped`.
    """
    table = _restricted(name, None if allowed is None else tuple(allowed))
    raws = values.astype("string").str.strip()
    # Each distinct spelling is looked up once: a million answers hold a few dozen.
    codes, spellings = pd.factorize(raws.replace("", pd.NA))
    canonical = [table.get(normalise_key(raw), _UNMAPPED) for raw in spellings]
    unmapped = [i for i, value in enumerate(canonical) if value is _UNMAPPED]
    if unmapped:
        counts = np.bincount(codes[codes >= 0], minlength=len(spellings))
        log.add_unmapped(column, {spellings[i]: int(counts[i]) for i in unmapped})
    lookup = pd.array([None if value is _UNMAPPED else value for value in canonical],
                      dtype="string")
    return pd.Series(lookup.take(codes, allow_fill=True), index=values.index)  # -1: blank


def _restricted(name: str, allowed: tuple[str, ...] | None) -> dict[str, str | None]:
    """The table, limited to `allowed` canonical values which also map to themselves."""
    table = load_mapping(name)
    if allowed is None:
        return table
    table = {k: v for k, v in table.items() if v is None or v in allowed}
    table.update({normalise_key(v): v for v in allowed})
    return table


def split_multi_select(values: pd.Series) -> pd.Series:
    """`'a; b, c'` -> `['a', 'b', 'c']` (blank items dropped); one list per row."""
    return values.astype("string").fillna("").map(
        lambda text: [part.strip() for part in re.split(r"[;,]", text) if part.strip()]
    )
