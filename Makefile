# The two commands of the README: `make book` and `make test`. Both create the virtual
# environment on first use; nothing needs installing by hand.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
# pip's notices about the machine's optional local indexes are noise here
PIPQUIET := grep -v "is ignored: it is neither a file nor a directory" || true

.PHONY: help venv book pdf test lint bench lab browser-deps clean

help:
	@echo "make book   build the whole book at the paper's size (_build/html/index.html and its PDF)"
	@echo "make pdf    print the last built book again as one PDF (_build/html/lumbar-dlr-book.pdf)"
	@echo "make test   lint, unit tests, quick notebooks, strict book build, browser checks"
	@echo "make lab    serve the interactive chapters and the reader app with Voila (LAB_HOST=0.0.0.0 for a class)"
	@echo "make bench  run the benchmarks (results in _build/bench.json; installs Debian's bart to compare with)"

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt 2>&1 | $(PIPQUIET)
	$(PY) -m pip install -q --no-deps -e . 2>&1 | $(PIPQUIET)
	$(PY) -c "import torch, lumbarlib; print('environment ready: torch', torch.__version__)"
	touch $(STAMP)

venv: $(STAMP)

book: venv browser-deps
	$(PY) -m lumbarlib.book.run --profile paper

pdf: venv browser-deps
	$(PY) -m lumbarlib.book.pdf

LINTED := lumbarlib tests benchmarks notebooks

lint: venv
	$(PY) -m ruff check $(LINTED)
	$(PY) -m ruff format --check $(LINTED)

test: venv browser-deps lint
	$(PY) -m pytest -q -m "not browser" tests
	$(PY) -m lumbarlib.book.run --profile quick --strict
	$(PY) -m pytest -q -m browser tests

bench: venv
	@command -v bart >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bart >/dev/null; }
	$(PY) -m lumbarlib.book.bench

LAB_HOST ?= 127.0.0.1

lab: venv
	$(PY) -m lumbarlib.book.lab --host $(LAB_HOST)

browser-deps:
	@test -x $(CHROMIUM) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@$(CHROMIUM) --version

clean:
	rm -rf _build
