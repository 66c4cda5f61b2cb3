# Anju: `make run` to try it, `make test` to test it. Needs only Python 3.11 for these two.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
export ANJU_DATA_DIR ?= $(CURDIR)/var
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: run demo test lint format assets bench messages install dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: requirements/base.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -r requirements/base.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(VENV)/.dev-installed: requirements/dev.lock $(VENV)/.installed
	$(BIN)/pip install -q -r requirements/dev.lock
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed

## Start Anju on http://127.0.0.1:8000 (SQLite, demo data on first start, no services needed).
## Online payments go to the test provider here (no real money); nowhere else unless set.
run: export ANJU_PAYMENT_PROVIDER ?= test
run: export ANJU_INVOICE_PROVIDER ?= local
run: install
	$(BIN)/anju run

demo: install
	$(BIN)/anju demo

## The whole test suite (SQLite by default; set DATABASE_URL for PostgreSQL)
test: dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: dev
	$(BIN)/ruff check src tests bench conftest.py
	$(BIN)/ruff format --check src tests bench conftest.py

format: dev
	$(BIN)/ruff check --fix src tests bench conftest.py
	$(BIN)/ruff format src tests bench conftest.py

## Refresh the committed front-end assets from the npm registry
assets:
	npm install --no-audit --no-fund
	cp node_modules/htmx.org/dist/htmx.min.js src/anju/core/static/anju/vendor/
	cp node_modules/echarts/dist/echarts.min.js src/anju/core/static/anju/vendor/

## Compile translation catalogs (needs GNU gettext)
messages: dev
	cd src/anju && ../../$(BIN)/anju compilemessages

bench: dev
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) var
