"""The command line (`python -m pipeline`): which raw folder a scan uses, exit codes."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from pipeline import __main__ as cli
from pipeline import paths
from pipeline.runner import PipelineError


def _manifest(reports_root: Path, year: int, raw_dir: str) -> None:
    folder = reports_root / str(year)
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"year": year, "raw_dir": raw_dir}))


def test_a_given_raw_folder_wins(tmp_path: Path) -> None:
    assert cli.raw_dir_of_reports(2023, "data/raw/hr-2024", tmp_path) == Path("data/raw/hr-2024")


def test_the_raw_folder_comes_from_the_reports_manifest(tmp_path: Path) -> None:
    raw = tmp_path / "hr-2024"
    raw.mkdir()
    _manifest(tmp_path / "reports", 2023, str(raw))
    assert cli.raw_dir_of_reports(2023, None, tmp_path / "reports") == raw
    _manifest(tmp_path / "reports", 2022, "data/raw")  # relative: to the project root
    assert cli.raw_dir_of_reports(2022, None, tmp_path / "reports") == paths.ROOT / "data/raw"


def test_no_manifest_or_a_vanished_raw_folder_asks_for_raw_dir(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match=r"manifest.json: cannot tell.*RAW_DIR="):
        cli.raw_dir_of_reports(2023, None, tmp_path)
    _manifest(tmp_path, 2021, str(tmp_path / "gone"))
    with pytest.raises(PipelineError, match=r"made from .*gone, which is not there.*RAW_DIR="):
        cli.raw_dir_of_reports(2021, None, tmp_path)


def test_ctrl_c_exits_130_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(args, log):  # noqa: ANN001, ANN202 - test double
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_kernel", interrupted)
    monkeypatch.setattr(cli, "Log", functools.partial(cli.Log, logs_dir=tmp_path))
    assert cli.main(["kernel"]) == 130
    err = capsys.readouterr().err
    assert "Interrupted: nothing was published" in err and "Traceback" not in err

