"""Institution configuration and run settings (disclosure threshold, pseudonym salt)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline import paths

DEFAULT_INSTITUTION = "icr"
# The demo data's salt is public on purpose: its IDs are synthetic.
DEMO_SALT = "synthetic-demo-salt-not-secret"
SALT_ENV = "TC_PSEUDONYM_SALT"
SALT_FILE = paths.ROOT / ".tc_salt"  # git-ignored


class ConfigError(ValueError):
    """A configuration value is missing or wrong."""


@dataclass(frozen=True)
class Institution:
    """What the pipeline needs to know about one institution."""

    name: str
    display_name: str
    short_name: str
    internal_institutions: tuple[str, ...]
    technical_job_families: tuple[str, ...]
    other_job_families: tuple[str, ...]
    grade_order: tuple[str, ...]
    other_grades: tuple[str, ...]
    divisions: tuple[str, ...]
    action_plan: str
    disclosure: dict[str, Any] = field(default_factory=dict)

    @property
    def job_families(self) -> tuple[str, ...]:
        return self.technical_job_families + self.other_job_families

    @property
    def grades(self) -> tuple[str, ...]:
        return self.grade_order + self.other_grades


def institution_names() -> list[str]:
    """Names of the institution configurations the project ships."""
    return sorted(p.stem for p in (paths.CONFIG_DIR / "institutions").glob("*.yaml"))


def load_institution(name: str = DEFAULT_INSTITUTION) -> Institution:
    """Read `pipeline/config/institutions/<name>.yaml`."""
    path = paths.CONFIG_DIR / "institutions" / f"{name}.yaml"
    if not path.exists():
        raise ConfigError(
            f"Unknown institution {name!r}: no file {path}. Known: {', '.join(institution_names())}"
        )
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    tuples = {k: tuple(v) for k, v in raw.items() if isinstance(v, list)}
    return Institution(**{**raw, **tuples})


def is_demo_source(raw_dir: str | Path) -> bool:
    """True when the raw folder is synthetic demo data (it carries a DEMO marker file)."""
    return (Path(raw_dir) / "DEMO").exists()


def pseudonym_salt(raw_dir: str | Path) -> str:
    """The salt for pseudonymising staff IDs: the public demo salt for demo data, else
    the configured one.

    Real data needs `TC_PSEUDONYM_SALT` in the environment or a `.tc_salt` file at the
    project root (kept out of git), so pseudonyms cannot be reversed by someone who
    only has the repository. Demo data always uses the demo salt, so its pseudonyms match
    its answer key on every machine.
    """
    if is_demo_source(raw_dir):
        return DEMO_SALT
    if os.environ.get(SALT_ENV):
        return os.environ[SALT_ENV]
    if SALT_FILE.exists() and SALT_FILE.read_text(encoding="utf-8").strip():
        return SALT_FILE.read_text(encoding="utf-8").strip()
    raise ConfigError(
        f"No pseudonym salt configured for the real data in {raw_dir}. Set the environment "
        f"variable {SALT_ENV} or write a secret to {SALT_FILE} (git-ignored), or run "
        "`make report` once, which makes one; see README."
    )


def ensure_salt(raw_dir: str | Path) -> str | None:
    """Make `.tc_salt` with a random secret when real data has no salt configured.

    Returns a message for the run's log when it made one, else None. Pseudonyms only link
    a person's rows within one run's processed tables, so a new random salt costs nothing
    and nobody has to invent a secret; it stays on this machine (git ignores the file,
    which only its owner can read).
    """
    if os.environ.get(SALT_ENV) or is_demo_source(raw_dir) or SALT_FILE.exists():
        return None
    try:
        handle = os.open(SALT_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another run made it a moment ago
        return None
    with os.fdopen(handle, "w", encoding="utf-8") as salt_file:
        salt_file.write(secrets.token_urlsafe(32) + "\n")
    return (f"Made a random pseudonym salt in {SALT_FILE} (readable by you only, never "
            "committed). Keep it private; see README, Privacy.")
