"""Every project path, anchored at the repository root (never hard-coded in a notebook)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "pipeline"
CONFIG_DIR = PACKAGE_DIR / "config"
NOTEBOOKS_DIR = ROOT / "notebooks"
DATA_DIR = ROOT / "data"
RAW_ROOT = DATA_DIR / "raw"
DEMO_RAW_DIR = RAW_ROOT / "demo"
PROCESSED_ROOT = DATA_DIR / "processed"
REPORTS_ROOT = ROOT / "reports"
# Executed notebooks with full outputs: for debugging, never shared.
WORK_ROOT = ROOT / "work"


def processed_dir(year: int) -> Path:
    """Folder of the processed tables for one reporting year."""
    return PROCESSED_ROOT / str(year)


def report_dir(year: int) -> Path:
    """Folder of the shared reports for one reporting year."""
    return REPORTS_ROOT / str(year)
