# The two commands of the README: `make run` (demo) and `make test` (whole suite).
# Both set up everything they need on a fresh machine and can be run again safely.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: run test install browser lint migrate demo worker beat messages clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the declared dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Debian's Chromium for the browser tests (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

messages: install
	@if [ -d locale ]; then $(BIN)/python manage.py compilemessages --ignore=.venv -v 0; fi

migrate: install messages
	$(BIN)/python manage.py migrate --noinput -v 0

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo
	@echo ""
	@echo "  校園差勤 demo: http://$(HOST):$(PORT)/   (sign-in help printed above)"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run -v 1

test: install browser messages lint
	$(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks (bench/README.md), never part of `make test`: against DATABASE_URL when set, else the
# SQLite file var/bench.sqlite3. Prints figures against targets; fails only when a query count
# grows with size. BENCH_ARGS="-k punch" runs some of them.
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Production helpers (need CELERY_BROKER_URL).
worker: install
	$(BIN)/celery -A config worker --loglevel=INFO

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles var
