# Technician Commitment reporting pipeline. `make` (or `make help`) lists the targets.
# Needs only Python 3.11 (or 3.12) and make; everything else is installed into .venv.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.SUFFIXES:

## Variables (override on the command line, e.g. `make report YEAR=2023 RAW_DIR=data/raw/hr-2024`)
# Institution configuration (pipeline/config/institutions/<name>.yaml)
INSTITUTION ?= icr
# Demo data folder of that institution (generated when absent)
DEMO_DIR := $(if $(filter icr,$(INSTITUTION)),data/raw/demo,data/raw/demo-$(INSTITUTION))
# Raw data folder (read-only to the pipeline); default: the synthetic demo set
RAW_DIR ?= $(DEMO_DIR)
# Reporting year; empty: the latest census year in hr_staff
YEAR ?=
# Notebooks run at the same time
JOBS ?= 2
# Extra options for pytest, e.g. PYTEST_ARGS="-k runner"
PYTEST_ARGS ?=
# Extra options for the benchmark: --skip-scale (demo runs only), --scale-plain-only
BENCH_ARGS ?=

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
YEAR_ARG = $(if $(YEAR),--year $(YEAR))
# share / check-privacy: the raw folder the reports were made from (their manifest.json),
# unless RAW_DIR is given on the command line or in the environment.
RAW_ARG = $(if $(filter command line environment,$(origin RAW_DIR)),--raw-dir $(RAW_DIR))
# The interpreter the environment is made from: python3.11, else python3 if it is 3.11/3.12.
BASE_PYTHON ?= $(shell command -v python3.11 2>/dev/null || \
	(python3 -c 'import sys; sys.exit(sys.version_info[:2] not in [(3, 11), (3, 12)])' \
	2>/dev/null && command -v python3))

.PHONY: help env kernel check-pango demo-data report test lint lab bench share check-privacy \
	hooks clean distclean

## help: list the targets and variables (the default target)
help:
	@echo "Technician Commitment pipeline. Usage: make <target> [VARIABLE=value ...]"
	@echo
	@grep -E '^## [a-z-]+:' $(MAKEFILE_LIST) | sed -E 's/^## ([a-z-]+): /  \1\t/' | expand -t 18
	@echo
	@echo "Variables: INSTITUTION=$(INSTITUTION) RAW_DIR=$(RAW_DIR) YEAR=$(if $(YEAR),$(YEAR),<latest>) JOBS=$(JOBS)"

## env: create .venv from Python 3.11 and install the project (only when pyproject.toml changed)
env: $(STAMP)

$(STAMP): pyproject.toml
	@if [ ! -x "$(PY)" ]; then \
	  if [ -z "$(BASE_PYTHON)" ]; then \
	    echo "Python 3.11 (or 3.12) not found: install it (python3.11 on PATH) and rerun." >&2; \
	    exit 1; \
	  fi; \
	  echo "Creating $(VENV) with $(BASE_PYTHON)"; \
	  "$(BASE_PYTHON)" -m venv $(VENV); \
	fi
	@echo "Installing the project and its dependencies into $(VENV) (about a minute)"
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@$(PY) -m pipeline kernel >/dev/null
	@touch $(STAMP)

## kernel: (re)install the project's Jupyter kernel "tc-pipeline" into .venv
kernel: $(STAMP)
	@$(PY) -m pipeline kernel

## check-pango: check for the Pango library WeasyPrint needs (installs it with apt-get as root)
# As root with apt-get, also HarfBuzz's font subsetter (tried once per environment): WeasyPrint
# then subsets fonts natively instead of with fontTools and prints each PDF ~30% faster.
check-pango:
	@libs="$$({ /sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null; })"; \
	can_apt=$$([ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && echo yes); \
	if grep -q 'libpango-1.0.so' <<<"$$libs" \
	  || ls /opt/homebrew/lib/libpango-1.0*.dylib /usr/local/lib/libpango-1.0*.dylib \
	     >/dev/null 2>&1; then \
	  :; \
	elif [ -n "$$can_apt" ]; then \
	  echo "Installing Pango for WeasyPrint (PDF rendering) with apt-get"; \
	  apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0; \
	else \
	  echo "The PDF renderer (WeasyPrint) needs the Pango library, which is missing." >&2; \
	  echo "  Debian/Ubuntu: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0" >&2; \
	  echo "  Fedora: sudo dnf install pango    macOS: brew install pango" >&2; \
	  exit 1; \
	fi; \
	if [ -n "$$can_apt" ] && [ -d $(VENV) ] && [ ! -e $(VENV)/.harfbuzz-subset-tried ] \
	  && ! grep -q 'libharfbuzz-subset.so' <<<"$$libs"; then \
	  touch $(VENV)/.harfbuzz-subset-tried; \
	  echo "Installing HarfBuzz's font subsetter (faster PDFs) with apt-get"; \
	  { apt-get install -y -qq libharfbuzz-subset0 || { apt-get update -qq && \
	    apt-get install -y -qq libharfbuzz-subset0; }; } >/dev/null 2>&1 || true; \
	fi

## demo-data: generate the synthetic demo data set for INSTITUTION (when absent)
demo-data: $(STAMP)
	@if [ "$(RAW_DIR)" = "$(DEMO_DIR)" ] && [ ! -e "$(DEMO_DIR)/DEMO" ]; then \
	  echo "Generating synthetic demo data in $(DEMO_DIR)"; \
	  $(PY) -m pipeline.demo --out $(DEMO_DIR) --institution $(INSTITUTION); \
	fi

## report: run the notebooks and write reports/<year>/ (HTML, PDF, index, metrics, manifest)
report: $(STAMP) check-pango demo-data
	@$(PY) -m pipeline report --raw-dir $(RAW_DIR) --institution $(INSTITUTION) \
	  --jobs $(JOBS) $(YEAR_ARG)

## test: lint and run the test suite
test: $(STAMP) lint check-pango
	@$(VENV)/bin/pytest $(PYTEST_ARGS)

## lint: ruff, and check that no notebook is committed with outputs (cell ids are kept)
lint: $(STAMP)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/nbstripout --keep-id --verify notebooks/*.ipynb tests/notebooks/*.ipynb

## lab: bring the run up to date (so every notebook finds its inputs), then start JupyterLab
lab: $(STAMP) check-pango demo-data
	@$(PY) -m pipeline report --raw-dir $(RAW_DIR) --institution $(INSTITUTION) \
	  --jobs $(JOBS) $(YEAR_ARG) || echo "make lab: the run failed (see above); notebooks \
	after the failing stage may miss their inputs. Starting JupyterLab anyway."
	@$(VENV)/bin/jupyter lab --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root)

## bench: time cold, cached and one-file-changed runs on the demo data, and a scale run
bench: $(STAMP) check-pango demo-data
	@$(PY) -m pipeline.bench --institution $(INSTITUTION) $(BENCH_ARGS)

## share: zip reports/<year>/ (HTML, PDF, index, metrics; no notebooks or data) to send on
share: $(STAMP)
	@$(PY) -m pipeline share $(RAW_ARG) --institution $(INSTITUTION) $(YEAR_ARG)

## check-privacy: scan reports/<year>/ for any name, e-mail or staff ID from its raw data
check-privacy: $(STAMP)
	@$(PY) -m pipeline check-privacy $(RAW_ARG) --institution $(INSTITUTION) $(YEAR_ARG)

## hooks: install the git pre-commit hooks (ruff, notebook output stripping)
hooks: $(STAMP)
	@$(VENV)/bin/pre-commit install

## clean: delete generated files (work/, reports, processed data); raw data is never touched
clean:
	@rm -rf work .pytest_cache .ruff_cache
	@find reports -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
	@find data/processed -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
	@echo "Removed work/, reports/* and data/processed/* (READMEs kept)"

## distclean: clean, and delete .venv and the generated demo data
distclean: clean
	@rm -rf $(VENV) data/raw/demo data/raw/demo-*
