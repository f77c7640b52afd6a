# Boucle's everyday commands. `make run` starts the app with demo data on the embedded default
# (SQLite, tasks run inline); `make test` runs the whole suite. Both create the virtual
# environment when it is missing and install what the machine lacks.

PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Test processes side by side (pytest-xdist): one per CPU; TEST_PROCESSES=0 runs them in this one.
TEST_PROCESSES ?= auto

BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# What CI and make install: every package pinned, compiled from pyproject.toml by `make pins`.
CONSTRAINTS := requirements/constraints.txt
# Touched after each install: the environment is installed again when pyproject.toml or the
# pins are newer.
STAMP := $(VENV)/.installed

# The browser tests' Chromium; pytest reads the same variable.
BOUCLE_CHROMIUM ?= /usr/bin/chromium
export BOUCLE_CHROMIUM

# The Debian packages Boucle uses, each with the shell test that finds it installed. ldconfig
# lives in /sbin, which is not on a Debian user's PATH.
LDCONFIG := PATH="$$PATH:/sbin:/usr/sbin" ldconfig -p 2>/dev/null
GETTEXT_PACKAGES := gettext
HAS_GETTEXT := command -v msgfmt >/dev/null 2>&1
# WeasyPrint renders the PDFs with Pango and a font.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
HAS_PDF := $(LDCONFIG) | grep -q 'libpango-1.0.so.0' && $(LDCONFIG) | grep -q 'libpangoft2-1.0.so.0' && [ -d /usr/share/fonts/truetype/dejavu ]
# Without HarfBuzz's subsetter WeasyPrint still works, but subsets fonts with fontTools: slower,
# and it warns about it for each font of each PDF.
SUBSET_PACKAGES := libharfbuzz-subset0
HAS_SUBSET := $(LDCONFIG) | grep -q 'libharfbuzz-subset.so.0'
BROWSER_PACKAGES := chromium
HAS_BROWSER := [ -x "$(BOUCLE_CHROMIUM)" ]

.DEFAULT_GOAL := help
.PHONY: help venv pins system-deps gettext pdf-deps browser-deps messages migrate run test lint \
	worker beat guide production

# $(call debian_packages,installed test,packages,what they are for,required|optional): when the
# test fails, install the packages with apt-get as root; otherwise say what to install, then
# stop if they are required or go on without them if they are optional.
define debian_packages
	@if $(1); then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian packages $(strip $(3)): $(2)"; \
		scripts/apt-install $(2); \
	elif [ "$(4)" = optional ]; then \
		echo "Missing Debian packages $(strip $(3)): $(2); going on without them."; \
		echo "  To install them: sudo apt-get install $(2)"; \
	else \
		echo "Boucle needs these Debian packages, $(strip $(3)): $(2)"; \
		echo "Install them as root, then run make again: sudo apt-get install $(2)"; \
		exit 1; \
	fi
endef

help:
	@echo "make run          start Boucle with demo data on http://$(HOST):$(PORT)/ (PORT=... to change)"
	@echo "make test         run the whole test suite (PYTEST_ARGS=... to pass options to pytest)"
	@echo "make lint         check the code with ruff, and the apps' layers with import-linter"
	@echo "make venv         create or update the virtual environment in $(VENV), with the pinned versions"
	@echo "make pins         compile the pinned versions ($(CONSTRAINTS)) from pyproject.toml;"
	@echo "                  UPGRADE=1 moves every package to its newest version allowed"
	@echo "make system-deps  install, as root, what the three targets below install when it is missing"
	@echo "make gettext      install gettext, to compile the translations (as root)"
	@echo "make pdf-deps     install Pango, HarfBuzz's subsetter and DejaVu fonts, for the PDFs (as root)"
	@echo "make browser-deps install chromium, for the browser tests (as root; skipped without it)"
	@echo "make messages     compile the translations"
	@echo "make migrate      apply the database migrations"
	@echo "make worker       run a Celery worker (needs REDIS_URL)"
	@echo "make beat         run Celery beat (needs REDIS_URL)"
	@echo "make guide        take the screenshots of the French guide (docs/guide/img/) again, by"
	@echo "                  running every role's journey in headless Chromium"
	@echo "make production   migrate, collect static files, then run gunicorn, a worker and beat"
	@echo "                  (needs SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL; ENV_FILE=...;"
	@echo "                  see docs/DEPLOY.md)"

venv: $(STAMP)

$(BIN)/python:
	@echo "Creating the virtual environment in $(VENV)"
	@$(PYTHON) -m venv "$(VENV)" || { \
		rm -rf "$(VENV)"; \
		echo "$(PYTHON) could not create a virtual environment."; \
		echo "On Debian, install python3-venv (as root: apt-get install python3-venv)."; \
		exit 1; \
	}

$(STAMP): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		--constraint $(CONSTRAINTS) -e ".[dev]"
	@touch "$@"

# pip-compile reads the dependencies (with the dev extra) from pyproject.toml and keeps the pins
# it finds in $(CONSTRAINTS) unless UPGRADE is set; the environment is installed again after.
# It needs only pip-tools: the rest of the environment may not install while pyproject.toml
# and the pins disagree, which is when the pins are compiled again.
pins: | $(BIN)/python
	@test -x "$(BIN)/pip-compile" || $(BIN)/python -m pip install --quiet \
		--disable-pip-version-check --constraint $(CONSTRAINTS) pip-tools
	CUSTOM_COMPILE_COMMAND="make pins" $(BIN)/pip-compile --quiet --extra dev --strip-extras \
		--no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
		$(if $(UPGRADE),--upgrade) --output-file $(CONSTRAINTS) pyproject.toml
	@$(MAKE) --no-print-directory venv

system-deps: gettext pdf-deps browser-deps

gettext:
	$(call debian_packages,$(HAS_GETTEXT),$(GETTEXT_PACKAGES),to compile the translations,required)

pdf-deps:
	$(call debian_packages,$(HAS_PDF),$(PDF_PACKAGES),for WeasyPrint's PDFs,required)
	$(call debian_packages,$(HAS_SUBSET),$(SUBSET_PACKAGES),for WeasyPrint to subset fonts quickly,optional)

# Without Chromium the browser tests are skipped and say why; in CI (CI=true) they fail.
browser-deps:
	$(call debian_packages,$(HAS_BROWSER),$(BROWSER_PACKAGES),for the browser tests,optional)

messages: venv gettext
	@if ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
		$(MANAGE) compilemessages --ignore "$(VENV)" --verbosity 0 && \
		echo "Translations compiled."; \
	else \
		echo "No translations to compile yet (no .po file under locale/)."; \
	fi

migrate: venv
	$(MANAGE) migrate --noinput

run: venv gettext pdf-deps messages migrate
	$(MANAGE) seed_demo
	@echo
	@echo "Boucle: http://$(HOST):$(PORT)/ (log in with one of the logins above)"
	$(MANAGE) runserver "$(HOST):$(PORT)"

test: venv system-deps messages
	$(BIN)/pytest --numprocesses $(TEST_PROCESSES) --dist loadscope $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

worker: venv
	@test -n "$(REDIS_URL)" || { echo "Set REDIS_URL (redis://host:6379/0): without it tasks run inline."; exit 1; }
	$(BIN)/celery -A config worker --loglevel=INFO

beat: venv
	@test -n "$(REDIS_URL)" || { echo "Set REDIS_URL (redis://host:6379/0): without it tasks run inline."; exit 1; }
	$(BIN)/celery -A config beat --loglevel=INFO

# The guide's screenshots are taken by every role's journey; `make test` takes them into a
# temporary folder and leaves the work tree clean.
guide: venv messages browser-deps
	BOUCLE_GUIDE_SCREENSHOTS=1 $(BIN)/pytest tests/browser/test_every_role_journey.py tests/test_guide.py

# The production set on one machine, in the foreground (docs/DEPLOY.md): scripts/release, then
# gunicorn on HOST:PORT, a Celery worker and Celery beat under honcho (Procfile).
production: venv gettext pdf-deps
	BOUCLE_HOST="$(HOST)" PORT="$(PORT)" scripts/production $(ENV_FILE)
