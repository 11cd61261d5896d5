"""Pseudonyms: stable per salt, unlinkable without it, blank stays blank."""

from __future__ import annotations

import hashlib
import hmac
import re
import stat

import pandas as pd
import pytest

from pipeline import config
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


def test_first_real_data_run_makes_a_private_random_salt(tmp_path, monkeypatch):
    salt_file = tmp_path / ".tc_salt"
    monkeypatch.setattr(config, "SALT_FILE", salt_file)
    monkeypatch.delenv(config.SALT_ENV, raising=False)
    real, demo = tmp_path / "hr-2024", tmp_path / "demo"
    real.mkdir()
    demo.mkdir()
    (demo / "DEMO").write_text("synthetic\n")
    with pytest.raises(config.ConfigError, match="make report"):
        config.pseudonym_salt(real)  # a notebook alone never invents one
    assert config.ensure_salt(demo) is None and not salt_file.exists()  # demo: public salt
    message = config.ensure_salt(real)
    assert message and str(salt_file) in message
    assert stat.S_IMODE(salt_file.stat().st_mode) == 0o600
    salt = config.pseudonym_salt(real)
    assert len(salt) >= 40 and salt != config.DEMO_SALT
    assert config.ensure_salt(real) is None and config.pseudonym_salt(real) == salt  # kept
    # demo data keeps the public demo salt, so its pseudonyms match its answer key anywhere
    assert config.pseudonym_salt(demo) == config.DEMO_SALT
    monkeypatch.setenv(config.SALT_ENV, "from the environment")
    assert config.pseudonym_salt(demo) == config.DEMO_SALT
    assert config.pseudonym_salt(real) == "from the environment"  # the environment wins
    monkeypatch.delenv(config.SALT_ENV)
    other = tmp_path / "other" / ".tc_salt"
    other.parent.mkdir()
    monkeypatch.setattr(config, "SALT_FILE", other)
    config.ensure_salt(real)
    assert config.pseudonym_salt(real) != salt  # random, not derived from anything
