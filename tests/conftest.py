"""Shared test setup."""

from __future__ import annotations

import pytest

from pipeline.config import SALT_ENV


@pytest.fixture(autouse=True)
def _test_salt(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pseudonym salt for runs on non-demo test folders, so that no test makes the
    project's `.tc_salt` (which would then be used by later runs). Tests of the salt
    itself remove it and point `config.SALT_FILE` elsewhere."""
    monkeypatch.setenv(SALT_ENV, "test-salt-not-secret")
