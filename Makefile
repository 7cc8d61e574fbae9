# The two commands a new machine needs:  make book  and  make test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The teaching region every notebook and the handbook use (see README: "Sizes").
RESIDENTS ?= 50000
YEARS     ?= 3
SEED      ?= 2022
DATA      ?= data/region
STAMP     := $(VENV)/.installed
DATASTAMP := $(DATA)/.complete
# The parameters of the region, kept beside it (outside the folder that `generate --force`
# replaces): the file changes only when a parameter does, and then the region is rebuilt.
DATAPARAMS := residents=$(RESIDENTS) years=$(YEARS) seed=$(SEED)
PARAMFILE  := $(DATA).params
PKG_SOURCES := $(shell find pecdata -name '*.py' 2>/dev/null)

.PHONY: all venv data lab book trainer-book test test-fast lint bench exercises notebooks browser \
        system brief assets clean system-packages publishable FORCE

all: book

venv: $(STAMP)
$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

# The synthetic region at teaching size (Parquet + DuckDB), then its PEC costs. Another size or
# seed (make data RESIDENTS=100000 SEED=7) rebuilds it; the stamp records the parameters.
data: $(DATASTAMP)
$(PARAMFILE): FORCE
	@mkdir -p $(dir $@)
	@echo '$(DATAPARAMS)' | cmp -s - $@ || echo '$(DATAPARAMS)' > $@
$(DATASTAMP): $(STAMP) $(PKG_SOURCES) $(PARAMFILE)
	$(BIN)/pecdata generate --residents $(RESIDENTS) --years $(YEARS) --seed $(SEED) --out $(DATA) --force
	$(BIN)/pecdata cost $(DATA)
	echo '$(DATAPARAMS)' > $@
FORCE:

# The course in JupyterLab, from the project's environment, with the teaching region set
# (PECDATA_DIR): open notebooks/ for the steps and exercises/ for your exercises.
LAB_OPTIONS ?=
lab: $(DATASTAMP)
	PECDATA_DIR=$(CURDIR)/$(DATA) $(BIN)/jupyter lab --notebook-dir=$(CURDIR) $(LAB_OPTIONS)

# Exercise notebooks are generated from the solutions (never edited by hand).
exercises: $(STAMP)
	$(BIN)/python -m pecdata.teaching.exercises build

# Re-run the step notebooks and solutions on the teaching region and store their outputs
# (after a change to the library or the generator), then regenerate the exercises.
notebooks: $(DATASTAMP)
	for nb in notebooks/*.ipynb solutions/*.ipynb; do \
	    PECDATA_DIR=$(CURDIR)/$(DATA) $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	        --ExecutePreprocessor.timeout=300 --ExecutePreprocessor.record_timing=False \
	        "$$nb" || exit 1; done
	$(BIN)/python -m pecdata.teaching.exercises build

# Offline JavaScript for the handbook (MathJax, require.js, widgets) from the npm registry.
assets:
	bash book/fetch_assets.sh

# The handbook (Jupyter Book 1.x, HTML in _build/html), only ever from a synthetic region:
# a region's own (imported) warehouse is refused, so that its data are never published.
publishable:
	$(BIN)/python -c "import sys; from pecdata.warehouse.integrity import main; \
	    sys.exit(main(['publishable', '$(DATA)']))"

book: $(DATASTAMP) assets system publishable
	PECDATA_DIR=$(CURDIR)/$(DATA) $(BIN)/jupyter-book build . -W --keep-going

# System packages from Debian, installed only when missing (CI runs as root):
# graphviz draws the method page's diagram when the book is built (sphinx.ext.graphviz);
# chromium runs the browser checks and prints the planning brief (`pecdata brief`).
system:
	@command -v dot >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null)

# The trainer's edition (_build/trainer/_build/html): the handbook plus the solutions and the
# answer key, run on a cohort's region (make trainer-book TRAINER_REGION=cohorts/autumn/region).
# Its sources go to data/trainer (never committed, never in the published book).
TRAINER_REGION ?= $(DATA)
trainer-book: $(DATASTAMP) assets system
	$(BIN)/python -m pecdata.teaching.course.trainer --region $(TRAINER_REGION) --out data/trainer
	PECDATA_DIR=$(abspath $(TRAINER_REGION)) $(BIN)/jupyter-book build . --toc _toc_trainer.yml \
	    --config data/trainer/_config.yml --path-output _build/trainer -W --keep-going

browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# Debian's PostgreSQL, for the tests of `pecdata import` from a SQL database (they start a
# throwaway cluster on 127.0.0.1 and stop it). CI runs as root.
system-packages:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || (apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null)

# A participant's planning brief as HTML and PDF (make brief BRIEF=path/to/brief.ipynb).
BRIEF ?= notebooks/10_planning_brief.ipynb
brief: $(DATASTAMP) browser
	PECDATA_DIR=$(CURDIR)/$(DATA) $(BIN)/python -m pecdata.cli brief $(BRIEF) --out _build/brief --force

# Every check: unit, property, calibration, doctests, notebooks and solutions (strict nbval on
# their stored outputs), exercises in sync, the book and the browser. Two workers (the
# machines have two cores); a file's tests stay on one worker (a notebook's cells in order).
NBVAL := --nbval
test: lint book browser system-packages
	PECDATA_DIR=$(CURDIR)/$(DATA) PECDATA_REQUIRE_BOOK=1 $(BIN)/python -m pytest -q \
	    -n 2 --dist loadfile tests pecdata notebooks solutions $(NBVAL)

# One linter and formatter (ruff) and the import layers of the house (import-linter),
# both configured in pyproject.toml.
LINTED := pecdata tests bench notebooks solutions
lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/lint-imports --no-cache

# Library tests only (no notebooks, no book): quick feedback while developing.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow" tests pecdata

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf _build .jupyter_cache $(DATA) $(PARAMFILE)
