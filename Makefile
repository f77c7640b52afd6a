# Boucle's everyday commands. `make run` starts the app with demo data on the embedded default
# (SQLite, tasks run inline); `make test` runs the whole suite. Both create the virtual
# environment when it is missing and install what the machine lacks.

PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Touched after each install: the environment is installed again when pyproject.toml is newer.
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help venv system-deps pdf-deps gettext messages migrate run test lint worker beat

# $(call debian_packages,command:package ...): install, with apt-get, the Debian package of
# each missing command; only as root, otherwise say what to install and stop.
define debian_packages
	@missing=""; \
	for pair in $(1); do \
		command -v "$${pair%%:*}" >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian packages:$$missing"; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else \
		echo "Boucle needs these Debian packages:$$missing"; \
		echo "Install them as root, then run make again: sudo apt-get install$$missing"; \
		exit 1; \
	fi
endef

help:
	@echo "make run      start Boucle with demo data on http://$(HOST):$(PORT)/ (PORT=... to change)"
	@echo "make test     run the whole test suite (PYTEST_ARGS=... to pass options to pytest)"
	@echo "make lint     check the code with ruff, and the apps' layers with import-linter"
	@echo "make venv     create or update the virtual environment in $(VENV)"
	@echo "make system-deps  install Debian's chromium and gettext (as root)"
	@echo "make messages compile the translations"
	@echo "make migrate  apply the database migrations"
	@echo "make worker   run a Celery worker (needs REDIS_URL)"
	@echo "make beat     run Celery beat (needs REDIS_URL)"

venv: $(STAMP)

$(STAMP): pyproject.toml
	@if [ ! -x "$(BIN)/python" ]; then \
		echo "Creating the virtual environment in $(VENV)"; \
		$(PYTHON) -m venv "$(VENV)" || { \
			rm -rf "$(VENV)"; \
			echo "$(PYTHON) could not create a virtual environment."; \
			echo "On Debian, install python3-venv (as root: apt-get install python3-venv)."; \
			exit 1; \
		}; \
	fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch "$@"

system-deps: pdf-deps
	$(call debian_packages,chromium:chromium msgfmt:gettext)

# WeasyPrint renders the PDF documents with Debian's Pango and fonts.
pdf-deps:
	@if ldconfig -p | grep -q "libpangoft2-1.0.so.0" && [ -d /usr/share/fonts/truetype/dejavu ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Pango and fonts for WeasyPrint"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; \
	else \
		echo "Boucle renders PDFs with WeasyPrint, which needs Pango and fonts:"; \
		echo "  sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"; \
		exit 1; \
	fi

gettext:
	$(call debian_packages,msgfmt:gettext)

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
	$(BIN)/pytest $(PYTEST_ARGS)

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
