"""Comment themes: free-text survey comments -> themes, by an editable keyword table.

`mappings/comment_themes.csv` has columns `theme,keyword`. A comment has a theme when it
contains one of the theme's keywords as a whole word or phrase (case-insensitive; a
keyword ending in `*` matches any word starting with it). A comment may have several
themes; a non-blank comment with none gets the theme `other`.
The comments themselves are never stored, so names they may hold need no redaction.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from pipeline.cleaning.mappings import MAPPINGS_DIR, MappingError

OTHER_THEME = "other"


def keyword_pattern(keyword: str) -> str:
    """A keyword as a whole-word regex; a trailing `*` allows any word ending."""
    keyword = keyword.strip().casefold()
    if keyword.endswith("*"):
        return r"\b" + re.escape(keyword[:-1]) + r"\w*"
    return r"\b" + re.escape(keyword) + r"\b"


def load_theme_keywords(path: Path = MAPPINGS_DIR / "comment_themes.csv") -> dict[str, str]:
    """{theme: one regex of all its keywords}, in file order."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"theme", "keyword"} <= set(reader.fieldnames):
            raise MappingError(f"{path}: needs the columns theme,keyword; has {reader.fieldnames}")
        keywords: dict[str, list[str]] = {}
        for row in reader:
            theme, keyword = (row["theme"] or "").strip(), (row["keyword"] or "").strip()
            if theme and keyword:
                keywords.setdefault(theme, []).append(keyword_pattern(keyword))
    return {theme: "|".join(patterns) for theme, patterns in keywords.items()}


def comment_themes(
    comments: pd.Series, keywords: dict[str, str] | None = None
) -> pd.DataFrame:
    """Long table (index of the comment, theme): one row per theme found in a comment."""
    keywords = load_theme_keywords() if keywords is None else keywords
    text = comments.astype("string").str.strip().str.casefold()
    text = text[text.notna() & (text != "")]
    found = pd.DataFrame(
        {theme: text.str.contains(pattern, regex=True) for theme, pattern in keywords.items()},
        index=text.index,
    ).astype(bool)
    unmatched = ~found.any(axis=1) if len(found.columns) else True
    found[OTHER_THEME] = found.get(OTHER_THEME, False) | unmatched
    long = found.stack()
    long = long[long].reset_index()
    long.columns = ["row", "theme", "_hit"]
    return long[["row", "theme"]]
