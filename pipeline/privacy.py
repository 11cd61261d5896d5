"""Privacy: salted pseudonyms for identifiers.

Disclosure control (small-number suppression) and the leak scan live here too, so that
there is one place to look for everything that keeps people unidentifiable.
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
