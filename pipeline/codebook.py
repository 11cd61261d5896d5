"""The survey codebook: item wording and short chart labels (`pipeline/config/codebook.yaml`).

Raw survey exports carry item codes only; the wording a report shows comes from here, so
that an analyst can correct a question's text without touching code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline import paths

CODEBOOK_PATH = paths.CONFIG_DIR / "codebook.yaml"
_REQUIRED_FIELDS = ("survey", "section", "wording", "label")


class CodebookError(ValueError):
    """The codebook file is malformed or lacks an item."""


@dataclass(frozen=True)
class Item:
    """One survey item as the codebook describes it."""

    code: str
    survey: str
    section: str
    wording: str
    label: str
    action: str | None = None


@dataclass(frozen=True)
class Codebook:
    """Item wording, labels and sections, in the order the codebook lists them."""

    entries: dict[str, Item]
    sections: dict[str, str]
    surveys: dict[str, str]

    def item(self, code: str) -> Item:
        """The entry for one item; KeyError naming the item when the codebook lacks it."""
        try:
            return self.entries[code]
        except KeyError:
            raise KeyError(f"Item {code!r} is not in the codebook {CODEBOOK_PATH}") from None

    def wording(self, code: str) -> str:
        """The question as respondents saw it."""
        return self.item(code).wording

    def label(self, code: str) -> str:
        """A short label for chart axes and table rows."""
        return self.item(code).label

    def labels(self, codes: tuple[str, ...] | list[str] | None = None) -> dict[str, str]:
        """Item code -> short label, for all items or the given ones."""
        return {code: self.label(code) for code in (codes or list(self.entries))}

    def section_title(self, section: str) -> str:
        """The heading of a section (e.g. `tc_impact` -> "Impact of the Technician Commitment")."""
        if section not in self.sections:
            raise KeyError(f"Section {section!r} is not in the codebook {CODEBOOK_PATH}")
        return self.sections[section]

    def items(
        self, section: str | None = None, survey: str | None = None, action: str | None = None
    ) -> tuple[str, ...]:
        """Item codes, in codebook order, filtered by section, survey and/or action."""
        return tuple(
            code for code, entry in self.entries.items()
            if (section is None or entry.section == section)
            and (survey is None or entry.survey == survey)
            and (action is None or entry.action == action)
        )


def _parse_item(code: str, raw: object, path: Path, sections: dict, surveys: dict) -> Item:
    if not isinstance(raw, dict):
        raise CodebookError(f"{path}: item {code!r} must be a mapping of fields")
    missing = [f for f in _REQUIRED_FIELDS if not str(raw.get(f) or "").strip()]
    if missing:
        raise CodebookError(f"{path}: item {code!r} lacks {', '.join(missing)}")
    if raw["section"] not in sections:
        raise CodebookError(f"{path}: item {code!r} has unknown section {raw['section']!r}")
    if raw["survey"] not in surveys:
        raise CodebookError(f"{path}: item {code!r} has unknown survey {raw['survey']!r}")
    action = raw.get("action")
    return Item(
        code=code, survey=str(raw["survey"]), section=str(raw["section"]),
        wording=" ".join(str(raw["wording"]).split()), label=str(raw["label"]).strip(),
        action=None if action is None else str(action),
    )


def load_codebook(path: str | Path = CODEBOOK_PATH) -> Codebook:
    """Read and check the codebook YAML."""
    path = Path(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    sections = dict(raw.get("sections") or {})
    surveys = dict(raw.get("surveys") or {})
    items = raw.get("items") or {}
    if not items:
        raise CodebookError(f"{path}: no items")
    entries = {
        str(code): _parse_item(str(code), entry, path, sections, surveys)
        for code, entry in items.items()
    }
    return Codebook(entries=entries, sections=sections, surveys=surveys)
