# Two commands on a fresh machine: `make demo` and `make test` (see README).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The demo: a random per-install secret in var/, plain HTTP on loopback, debug off (D57).
demo: export ONETRIP_DEMO := 1
demo: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py simulate --once --days 3 --episodes-per-day 80
	$(BIN)/python manage.py metrics_rollup --months 12  # hourly in production (cron)
	$(BIN)/python manage.py send_reminders  # once a day in production (cron)
	# the notification worker (sign-in codes reach the sandbox page) and the e-bill worker
	# (D245) run beside the server
	$(BIN)/python manage.py deliver_notifications --loop & worker=$$!; \
	$(BIN)/python manage.py billing_issue_ebills --loop & ebills=$$!; \
	trap 'kill $$worker $$ebills 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo  # the import contracts (.importlinter, docs/architecture.md)
	$(BIN)/mypy  # types of core and every app's models and services (mypy.ini)

test: lint
	DJANGO_SETTINGS_MODULE=onetrip.settings_for_tests $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n auto

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var
