# student-personas: the two commands are `make run` (build the warehouse on the built-in data)
# and `make test` (every test). Both create .venv and install pinned requirements when needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | md5sum | cut -c1-12)

.PHONY: run test install browser bench score clean

install: $(INSTALLED)

$(INSTALLED): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

run: $(INSTALLED)
	$(BIN)/dbt build

# The report tests open the rendered pages in Debian's Chromium (Playwright's own browser download is
# not used); install it when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the report browser tests"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq chromium; }

test: $(INSTALLED) browser
	$(BIN)/python -m pytest

# Score new students with the stored, reviewed persona model (no refit; existing tables untouched):
#   make score STUDENTS=path/to/new_students.csv [MODEL_VERSION=pm-...]
score: $(INSTALLED)
	@test -n "$(STUDENTS)" || { echo "usage: make score STUDENTS=path/to/new_students.csv [MODEL_VERSION=pm-...]"; exit 2; }
	$(BIN)/dbt build --select tag:scoring \
	  --vars '{score_students_path: "$(STUDENTS)", persona_model_version: "$(or $(MODEL_VERSION),latest)"}'

# Benchmarks print figures (never timed tests): the full refresh at 1k, 10k, 100k and 1M students, and
# the warehouse against the notebook's pipeline at 30k. See docs/benchmarks.md.
bench: $(INSTALLED)
	$(BIN)/python benchmarks/refresh.py
	$(BIN)/python benchmarks/compare_notebook.py --students 30000
	$(BIN)/python benchmarks/scoring.py --fit 100000 --score 10000
	$(BIN)/python benchmarks/advising.py

clean:
	rm -rf target logs reports/out .pytest_cache
