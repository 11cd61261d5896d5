"""The repository's copy of the data contract is the shared one, word for word."""


import pytest

from pipeline import paths

SHARED = paths.ROOT.parent / "shared" / "data-contract.md"


@pytest.mark.skipif(not SHARED.exists(), reason="no ../shared folder beside this checkout")
def test_docs_copy_of_the_contract_is_current() -> None:
    copy = paths.ROOT / "docs" / "data-contract.md"
    assert copy.read_text(encoding="utf-8") == SHARED.read_text(encoding="utf-8"), (
        "docs/data-contract.md differs from ../shared/data-contract.md: copy it again"
    )
