"""The environment: one source of truth, tested versions, the project's own kernel, hooks."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from importlib.metadata import version

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from pipeline import paths
from pipeline.runner import kernel_spec
from pipeline.stages import NOTEBOOK_PARAMETERS, STAGES

ROOT = paths.ROOT
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pip_requirements() -> dict[str, SpecifierSet]:
    lines = PYPROJECT["dependencies"] + PYPROJECT["optional-dependencies"]["dev"]
    return {_name(r.name): r.specifier for r in map(Requirement, lines)}


def _conda_requirements() -> dict[str, SpecifierSet]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    found = {}
    for entry in env["dependencies"]:
        if isinstance(entry, str):
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(.*)", entry)
            found[_name(match.group(1))] = SpecifierSet(match.group(2).replace(" ", ""))
    return found


def test_environment_yml_lists_the_same_packages_and_ranges_as_pyproject() -> None:
    conda = _conda_requirements()
    python = conda.pop("python")
    conda.pop("pip")
    assert conda == _pip_requirements()
    assert python == SpecifierSet(PYPROJECT["requires-python"])


def test_environment_yml_uses_conda_forge_and_installs_the_project() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["name"] == "tc-pipeline" and env["channels"] == ["conda-forge"]
    pip_section = [e["pip"] for e in env["dependencies"] if isinstance(e, dict)]
    assert pip_section == [["-e ."]]


@pytest.mark.parametrize("name", sorted(_pip_requirements()))
def test_installed_versions_are_inside_the_declared_ranges(name: str) -> None:
    specifier = _pip_requirements()[name]
    assert str(specifier), f"{name} has no version range"
    assert version(name) in specifier, f"{name} {version(name)} is not in {specifier}"


def test_kernel_is_this_environments_interpreter_and_quiet() -> None:
    argv = kernel_spec()["argv"]
    assert argv[0] == sys.executable and argv[0].startswith("/")
    assert "--IPKernelApp.log_level=ERROR" in argv and "{connection_file}" in argv


def _notebooks() -> list:
    stage_files = [paths.NOTEBOOKS_DIR / s.notebook for s in STAGES]
    tests = sorted((ROOT / "tests" / "notebooks").glob("*.ipynb"))
    return [p for p in stage_files if p.exists()] + tests


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.name)
def test_notebooks_are_committed_clean_with_parameters_and_project_kernel(path) -> None:
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "tc-pipeline"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    params = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(params) == 1, "exactly one cell tagged 'parameters'"
    names = set(re.findall(r"^(\w+)\s*=", "".join(params[0]["source"]), re.MULTILINE))
    assert set(NOTEBOOK_PARAMETERS) <= names


def test_makefile_has_the_documented_targets_and_variables() -> None:
    makefile = (ROOT / "Makefile").read_text()
    documented = set(re.findall(r"^## ([a-z-]+):", makefile, re.MULTILINE))
    defined = set(re.findall(r"^([a-z-]+):", makefile, re.MULTILINE))
    wanted = {"report", "test", "lab", "bench", "clean", "help", "share", "check-privacy"}
    assert wanted <= documented and documented <= defined
    for variable in ("YEAR", "RAW_DIR", "INSTITUTION"):
        assert re.search(rf"^{variable} \?=", makefile, re.MULTILINE)
    assert re.search(r"^test: \$\(STAMP\)", makefile, re.MULTILINE), "test builds the env"


def test_pre_commit_hooks_are_local_and_download_nothing() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert all(repo["repo"] == "local" for repo in config["repos"])
    assert {hook["id"] for hook in hooks} >= {"ruff", "nbstripout"}
    for hook in hooks:
        assert hook["language"] in ("system", "fail")
        if hook["language"] == "system":
            assert hook["entry"].startswith(".venv/bin/")


def test_ci_script_runs_make_test_strictly() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert script.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in script
    assert script.strip().endswith("make test")
