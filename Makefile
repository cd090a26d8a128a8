# Two commands: `make demo` (set up, generate sample data, run the pipeline, publish to var/store)
# and `make test` (set up, run the test suite). Only Python 3.11 is needed beforehand.
PYTHON ?= python3.11
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
RUN := $(UV) run --frozen --python $(PYTHON)
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: setup browser demo test test-fast lint bench seeds clean
N ?= 100000

# uv lives in its own small venv: `uv sync` keeps .venv exactly as locked.
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv>=0.5,<1"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet --compile-bytecode --python $(PYTHON)
	touch $@

# Prefect's migrations, run once into the database a new PREFECT_HOME starts from (flows/pipeline/prefect_db.py).
$(VENV)/share/wenshu/.built: $(VENV)/.synced flows/pipeline/prefect_db.py
	$(VENV)/bin/python -m flows.pipeline.prefect_db
	touch $@

setup: $(VENV)/.synced $(VENV)/share/wenshu/.built  ## create the virtualenv, install the locked dependencies, migrate Prefect's database template

demo: setup  ## generate a synthetic landing zone, run the whole pipeline, publish to var/store
	$(RUN) wenshu demo

browser:  ## Debian's chromium and a CJK font, for the catalog page test (screenshot, links)
	command -v chromium >/dev/null && fc-list | grep -qi microhei || (apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei)

test: setup browser  ## the whole test suite (unit, integration, faults)
	$(RUN) pytest -n 2 --dist loadgroup -q

test-fast: setup
	$(RUN) pytest -q tests/unit

lint: setup  ## ruff and mypy over the package
	$(RUN) ruff check flows tests scripts bench
	$(RUN) ruff format --check flows
	$(RUN) mypy flows

bench: setup  ## the scale benchmark at N judgments (default 100000): floor, full, incremental, no-op, frictionless
	bench/run --judgments $(N)

seeds: setup  ## regenerate dbt seeds from ../shared/data/reference
	$(RUN) python scripts/build_seeds.py

clean:
	rm -rf var .tools .pytest_cache .ruff_cache .mypy_cache
