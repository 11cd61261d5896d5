"""Privacy: salted pseudonyms for identifiers.

The rest of what keeps people unidentifiable sits beside this module:

- `pipeline.disclosure`: small-number suppression/rounding of every metric, table and chart
  (`protect_metrics`, `publish_table`) and the guard on executed notebooks (`check_outputs`);
- `pipeline.leakscan`: the scan of everything under `reports/` for names, e-mails, staff IDs
  and pseudonyms from the data (`check_reports`, `python -m pipeline.leakscan`).
"""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd

PSEUDONYM_LENGTH = 16


def pseudonymise(values: pd.Series, salt: str) -> pd.Series:
    """Replace identifiers by salted HMAC-SHA256 pseudonyms ("p" + 16 hex digits).

    Blank values stay <NA>. The same identifier and salt always give the same pseudonym,
    so people can be followed across datasets and years without their ID.
    """
    key = salt.encode("utf-8")

    def one(value: object) -> object:
        if pd.isna(value) or str(value).strip() == "":
            return pd.NA
        digest = hmac.new(key, str(value).strip().lower().encode("utf-8"), hashlib.sha256)
        return "p" + digest.hexdigest()[:PSEUDONYM_LENGTH]

    return values.map(one).astype("string")
