"""Pseudonyms: stable per salt, unlinkable without it, blank stays blank."""

from __future__ import annotations

import hashlib
import hmac
import re

import pandas as pd

from pipeline.privacy import PSEUDONYM_LENGTH, pseudonymise


def test_pseudonym_is_the_salted_hmac_of_the_normalised_id():
    out = pseudonymise(pd.Series(["00123"]), "s3cret")
    expected = hmac.new(b"s3cret", b"00123", hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]
    assert out.iloc[0] == "p" + expected


def test_same_id_same_pseudonym_across_spellings_and_calls():
    first = pseudonymise(pd.Series(["AB123", " ab123 ", "AB124"]), "salt")
    second = pseudonymise(pd.Series(["ab123"]), "salt")
    assert first.iloc[0] == first.iloc[1] == second.iloc[0]
    assert first.iloc[2] != first.iloc[0]
    assert all(re.fullmatch(rf"p[0-9a-f]{{{PSEUDONYM_LENGTH}}}", p) for p in first)


def test_a_different_salt_gives_unlinkable_pseudonyms():
    ids = pd.Series(["00123", "45678"])
    assert set(pseudonymise(ids, "one")).isdisjoint(pseudonymise(ids, "two"))


def test_pseudonym_does_not_contain_the_id_and_blanks_stay_blank():
    out = pseudonymise(pd.Series(["45678", None, "", "  "], dtype="string"), "salt")
    assert "45678" not in out.iloc[0]
    assert out.iloc[1:].isna().all()
    assert str(out.dtype) == "string"
