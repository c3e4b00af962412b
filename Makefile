# Schoolpoort: `make run` serves the demo school, `make test` runs every test.
# Both install whatever is missing first (virtualenv, npm packages, translations).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_WORKERS ?= 2
export FLASK_APP := app

PO_FILES := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test test-fast install install-test lint test-sqlite test-postgres translations extract-messages screenshots bench clean

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	@echo "Schoolpoort runs on http://127.0.0.1:5000 (Ctrl+C stops it)"
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Lint, the SQLite run and the PostgreSQL run at the same time: each has stretches that
# leave a core idle (the server start, Chromium waiting for a page, the last slow test
# of a run). Each one's output is printed whole when it ends.
test: install-test
	$(MAKE) --no-print-directory -j 3 --output-sync=target lint test-sqlite test-postgres

test-sqlite: install-test
	$(BIN)/pytest -n $(PYTEST_WORKERS)

# The browser tests run on SQLite only: they drive the same views and services whose
# database work the other tests check on PostgreSQL, and what they add (what the page
# does in Chromium, axe-core, the Nu HTML Checker) does not depend on the database.
test-postgres: install-test
	scripts/with-postgres.sh $(BIN)/pytest -n $(PYTEST_WORKERS) -m "not browser"

# The inner loop: SQLite, no browser tests, so neither Chromium nor PostgreSQL is
# needed; Java is (the Nu HTML Checker runs without the browser too).
test-fast: install $(VENV)/.installed-dev
	scripts/debian-packages.sh openjdk-17-jre-headless
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not browser"

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/bandit -r school -ll -q
	$(BIN)/lint-imports

install: $(VENV)/.installed node_modules/.installed $(MO_FILES) instance/config.py

install-test: install $(VENV)/.installed-dev
	scripts/debian-packages.sh chromium postgresql openjdk-17-jre-headless

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@ >/dev/null

# A secret key of this instance's own, made once; never committed.
instance/config.py: | $(VENV)/.installed
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}')" > $@

# After changing interface text: collect the messages and update nl, fr, en
# (scripts/translate.sh does this and fills in the new translations).
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output --omit-header .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --omit-header
	for po in $(PO_FILES); do $(BIN)/python scripts/po_fill.py $$po; done

# Phone- and desktop-sized screenshots of every main page (screenshots/, not committed).
screenshots: install-test
	$(BIN)/python scripts/screenshots.py

# The performance benchmark (bench/README.md): a school group at scale, served by gunicorn.
# With DATABASE_URL set it measures on PostgreSQL as well.
bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules $(MO_FILES)
