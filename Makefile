# DutyRoom — the two commands: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

# Test processes: one per core by default (each with its own test database); PYTEST_WORKERS=0 runs serially.
PYTEST_WORKERS ?= auto
# Short progress ("[ 412/1234]"), the ten slowest tests at the end, grouped by module so module fixtures run once.
PYTEST_ARGS := -n $(PYTEST_WORKERS) --dist loadscope -o console_output_style=count --durations=10

.PHONY: run test lint check check-migrations pytest bench structure clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Re-install only when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[test]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed

run: setup
	$(BIN)/dutyroom init --demo
	DUTYROOM_OTP_ROLES="$${DUTYROOM_OTP_ROLES-}" $(BIN)/dutyroom serve --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy dutyroom config
	$(BIN)/lint-imports
	$(BIN)/python tools/structure.py

check-migrations: setup
	DUTYROOM_DATA_DIR=$$(mktemp -d) $(BIN)/python manage.py makemigrations --check --dry-run

pytest: setup
	$(BIN)/pytest $(PYTEST_ARGS)

# The edit-test loop: lint and every test that needs neither Chromium nor extra server processes, in parallel.
check: setup
	$(BIN)/ruff check .
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadscope -q -m "not browser" --ignore=tests/e2e --ignore=tests/browser

test: lint check-migrations pytest

# Every group (bench/<group>.py), or one: make bench ONLY=worker. Figures: var/bench/<group>.json.
bench: setup
	ONLY=$(ONLY) $(BIN)/python bench/run.py

# The layering's measure: pairs of top-level packages that import each other (goal 0).
structure: setup
	$(BIN)/python tools/structure.py

clean:
	rm -rf $(VENV) node_modules var test-artifacts
