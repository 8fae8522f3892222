# student-personas: the two commands are `make run` (build the warehouse with the active configuration,
# at first the built-in worked example) and `make test` (every test). Both create .venv and install the
# pinned requirements when needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | md5sum | cut -c1-12)

.PHONY: run test test-fast install browser bench bench-events score clean profile

# The targets' parameters (STUDENTS, EVENTS, TERM, MODEL_VERSION, VARS, OUT, FORCE) are read only from make's
# command line (`make score STUDENTS=new.csv`), never from the environment: every terminal sets TERM, and
# OUT or VARS may be set for other tools. They reach the command line tool as single-quoted arguments of
# their text as typed, never expanded by make or the shell, so $(...), backticks, ; and quotes in a value
# are only text; and they are not exported (make would expand them to build the recipe's environment).
PARAMETERS := STUDENTS EVENTS TERM MODEL_VERSION VARS OUT FORCE
parameter = $(if $(filter command line,$(origin $(1))),$(value $(1)))
argument = '$(subst ','\'',$(call parameter,$(1)))'
option = $(if $(call parameter,$(2)),$(1) $(call argument,$(2)))
$(foreach name,$(PARAMETERS),$(if $(filter command line,$(origin $(name))),$(eval unexport $(name))))

install: $(INSTALLED)

$(INSTALLED): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

# Build with the active configuration (personas.yml when it exists, else the worked example), or with
# another vars file for this build: `make run VARS=my_vars.yml`.
run: $(INSTALLED)
	$(BIN)/python -m student_personas.cli run $(call option,--vars,VARS)

# The report tests open the rendered pages in Debian's Chromium (Playwright's own browser download is
# not used); install it when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the report browser tests"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq chromium; }

# Every test, on both cores: each test file runs whole in one worker (its module-scoped builds are made once),
# in collection order (the longest files first, tests/conftest.py: xdist would otherwise hand out the files
# with the most tests first), and the session's shared builds are made once for both workers (shared_build).
TEST_WORKERS ?= 2
test: $(INSTALLED) browser
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25

# The inner loop: the tests that need no dbt build (preflight, inputs, maths, naming, report engine).
test-fast: $(INSTALLED)
	$(BIN)/python -m pytest -m "not dbt"

# Start from a file: write a commented vars file (and a playbook skeleton beside it) for review, by
# default the active configuration personas.yml; an existing file is never overwritten without FORCE=1.
#   make profile STUDENTS=path/to/file.csv [OUT=my_vars.yml] [FORCE=1]
profile: $(INSTALLED)
	$(if $(call parameter,STUDENTS),,@echo "usage: make profile STUDENTS=path/to/file.csv [OUT=my_vars.yml] [FORCE=1]"; exit 2)
	$(BIN)/python -m student_personas.cli profile $(call option,--students,STUDENTS) $(call option,--out,OUT) \
	  $(if $(call parameter,FORCE),--force)

# Score new students with the stored, reviewed persona model (no refit; the fitted cohort's tables stay):
#   make score STUDENTS=path/to/new_students.csv [EVENTS=events.csv] [TERM=2025-spring] [MODEL_VERSION=pm-...]
score: $(INSTALLED)
	$(if $(call parameter,STUDENTS),,@echo "usage: make score STUDENTS=path/to/new_students.csv [EVENTS=...] [TERM=...] [MODEL_VERSION=pm-...] [VARS=...]"; exit 2)
	$(BIN)/python -m student_personas.cli score $(call option,--students,STUDENTS) $(call option,--events,EVENTS) \
	  $(call option,--term,TERM) $(call option,--model-version,MODEL_VERSION) $(call option,--vars,VARS)

# Benchmarks print figures (never timed tests): the full refresh at 1k, 10k, 100k and 1M students, and
# the warehouse against the notebook's pipeline at 30k. See docs/benchmarks.md.
bench: $(INSTALLED)
	$(BIN)/python benchmarks/refresh.py
	$(BIN)/python benchmarks/compare_notebook.py --students 30000
	$(BIN)/python benchmarks/scoring.py --fit 100000 --score 10000
	$(BIN)/python benchmarks/advising.py
	$(BIN)/python benchmarks/events.py

# Event log to per-student event features: 10 million events (CSV, Parquet) and 100 million (Parquet) for
# 100,000 students, against a plain DuckDB scan of the same file. See docs/benchmarks.md.
bench-events: $(INSTALLED)
	$(BIN)/python benchmarks/events.py

clean:
	rm -rf target logs .pytest_cache
