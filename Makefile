# The two commands of the README: `make run` (demo) and `make test` (whole suite).
# Both set up everything they need on a fresh machine and can be run again safely.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
STANDIN_PORT ?= 8001
export DJANGO_SETTINGS_MODULE := config.settings
# Where the stand-in portal listens; the app's settings (OIDC_PROVIDER=standin) and the demo read it.
export STANDIN_PORTAL_URL ?= http://$(HOST):$(STANDIN_PORT)
# Links in the demo's emails and notices point at the address the demo serves on.
export SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test install lock browser nginx gettext lint migrate demo worker beat messages makemessages clean bench bench-city-month loadtest wrk

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs are reproducible: every package at the version pinned in requirements.lock (made from
# pyproject.toml's ranges by `make lock`), then the project itself without resolving again.
# Reinstall only when the lock or the declared dependencies change.
LOCK := requirements.lock
$(VENV)/.installed: $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e '.[dev]'
	touch $@

# After changing a dependency in pyproject.toml: pin it (and what it pulls in) again, for every
# platform and Python ≥ 3.11 (uv's universal resolution), and commit requirements.lock with it.
# `make lock UPGRADE=1` moves every pin to the newest release the ranges allow.
lock: | $(BIN)/python
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --quiet \
	  $(if $(UPGRADE),--upgrade,) -o $(LOCK)

install: $(VENV)/.installed

# Debian's Chromium for the browser tests (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }
	@# The pay sign-off PDF (WeasyPrint) lays out text with Pango, in the same CJK font.
	@ldconfig -p | grep -q libpangoft2-1.0 && fc-list 2>/dev/null | grep -qi "noto.*cjk" || { \
	  echo "Installing Pango and the CJK font for the PDF tests..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libpangoft2-1.0-0 fonts-noto-cjk >/dev/null; }

# Debian's nginx for the deployment test (tests/deploy/: the kit's site file in front of gunicorn).
nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
	  echo "Installing Debian's nginx for the deployment tests..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx >/dev/null; }

messages: install
	@if [ -d locale ]; then $(BIN)/python manage.py compilemessages --ignore=.venv -v 0; fi

migrate: install messages
	$(BIN)/python manage.py migrate --noinput -v 0

demo: migrate
	$(BIN)/python manage.py load_demo --url http://$(HOST):$(PORT)/

# The stand-in portal (sso/standin/) runs next to the app so the portal sign-in works on a
# fresh machine: started in the background (after stopping one a previous run left behind),
# stopped when runserver exits.
run: demo
	@mkdir -p var
	@if [ -f var/standin.pid ] && ps -p "$$(cat var/standin.pid)" -o args= 2>/dev/null | grep -q sso.standin; then \
	  kill "$$(cat var/standin.pid)"; sleep 1; fi; rm -f var/standin.pid
	@STANDIN_APP_URLS="http://$(HOST):$(PORT),http://localhost:$(PORT)" \
	  $(BIN)/python -m sso.standin serve $(HOST):$(STANDIN_PORT) >var/standin.log 2>&1 & echo $$! >var/standin.pid; \
	trap 'kill "$$(cat var/standin.pid)" 2>/dev/null; rm -f var/standin.pid' EXIT; trap 'exit 130' INT TERM; \
	echo ""; \
	echo "  校園差勤 demo: http://$(HOST):$(PORT)/   (sign-in help printed above)"; \
	echo "  stand-in portal: $(STANDIN_PORTAL_URL)/   (log: var/standin.log)"; \
	echo ""; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# ruff; migrations match the models; the import contracts between the apps (.importlinter); types (mypy,
# configured in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run -v 1
	$(BIN)/lint-imports
	$(BIN)/mypy

# The suite runs in TEST_PROCESSES processes (pytest-xdist; each has its own test database); the
# tests with a real Celery worker share one process (tests/conftest.py). TEST_PROCESSES=0: one process.
TEST_PROCESSES ?= 2
test: install browser nginx messages lint
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist loadgroup $(PYTEST_ARGS)

# Translations. `messages` (above) compiles every catalogue (locale/ and each app's <app>/locale/);
# .mo files are not committed. It needs GNU gettext's msgfmt: Debian's package if it is missing.
messages: gettext
gettext:
	@command -v msgfmt >/dev/null 2>&1 || { \
	  echo "Installing GNU gettext for the translations..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq gettext >/dev/null; }

# Refresh the catalogues, one command per catalogue. The base (locale/en: layout, staff, audit,
# notifications) from the base's code and templates; each feature app's (<app>/locale/en) from its
# code plus the project's templates/<app>/, linked into the app for the run (makemessages only
# walks the directory it starts in; --symlinks follows the link). A msgid used by two catalogues
# must read the same in both (tests/config/test_i18n.py): Django merges them, the base winning.
FEATURE_APPS := sso schedules attendance leave substitutes offices
BASE_ONLY := $(foreach app,$(FEATURE_APPS),--ignore='$(app)/*' --ignore='templates/$(app)/*')
APP_MAKEMESSAGES := $(abspath $(BIN))/python $(CURDIR)/manage.py makemessages -l en --no-location --no-obsolete --symlinks
makemessages: install gettext
	$(BIN)/python manage.py makemessages -l en --no-location --no-obsolete --ignore=.venv --ignore=tests --ignore=bench $(BASE_ONLY)
	@for app in $(FEATURE_APPS); do \
	  echo "$$app/locale/en"; mkdir -p $$app/locale && ln -sfn ../templates/$$app $$app/templates-makemessages && \
	  (cd $$app && $(APP_MAKEMESSAGES)); status=$$?; rm -f $$app/templates-makemessages; \
	  [ $$status = 0 ] || exit $$status; done

# Benchmarks (bench/README.md), never part of `make test`: against DATABASE_URL when set, else the
# SQLite file var/bench.sqlite3. Prints figures against targets; fails only when a query count
# grows with size. BENCH_ARGS="-k punch" runs some of them. BENCH_CITY=401 grows the city to 401
# schools and 30,060 people for the city-wide cases (opt-in: a minute or two more to build, once).
bench: install
	$(BIN)/python -m bench.run $(if $(BENCH_CITY),--city $(BENCH_CITY),) $(BENCH_ARGS)

# The city's month recomputed by tasks (bench/README.md, "The city's month by tasks"): two Celery
# workers and `manage.py recompute_results --progress`; time, memory per process, CPU and load.
# Needs DATABASE_URL (PostgreSQL, a database of its own) and CELERY_BROKER_URL (Redis).
# BENCH_CITY=401 for the 401-school city; CITYMONTH_ARGS="--workers 4 --schools 101" narrows it.
bench-city-month: install
	$(BIN)/python -m bench.citymonth $(if $(BENCH_CITY),--city $(BENCH_CITY),) $(CITYMONTH_ARGS)

# The load test (bench/README.md, "The morning rush under load"), never part of `make test`: gunicorn, a
# Celery worker and Redis-backed sessions on loopback, driven by wrk (bench/loadtest/load.lua), next to a
# pgbench run. Needs DATABASE_URL (PostgreSQL, a database of its own) and LOADTEST_REDIS_URL or
# CELERY_BROKER_URL. LOADTEST_ARGS="--people 3000 --duration 15 -k punch" narrows it.
loadtest: install wrk
	$(BIN)/python -m bench.loadtest $(LOADTEST_ARGS)

# Debian's wrk for the load test.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing Debian's wrk for the load test..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }

# Production helpers (need CELERY_BROKER_URL).
worker: install
	$(BIN)/celery -A config worker --loglevel=INFO

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles var
