# Enclave: `make run` serves the embedded default; `make test` runs lint and every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
# The first Python >= 3.12 on PATH (pyenv honours .python-version).
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { echo $$p; break; }; done)
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: help run dev serve test test-unit test-e2e lint format install clean bench mutants

help:
	@echo "make run    - serve Enclave with the demo world on http://127.0.0.1:$(PORT) (DEBUG off)"
	@echo "make dev    - the same with DEBUG on (Django's debug pages), for development only"
	@echo "make test   - ruff check, ruff format --check and the whole test suite"
	@echo "make mutants - mutation testing of the access policy and the services (by hand; long)"

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Enclave needs Python >= 3.12: none found on PATH." >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# DEBUG stays off for `make run`: evaluators and pilots see the product's own error pages.
run: export ENCLAVE_DEBUG = 0
run: serve

dev: export ENCLAVE_DEBUG = 1
dev: serve

serve: $(STAMP)
	@mkdir -p var/staticfiles  # WhiteNoise serves from the source folders; it only wants STATIC_ROOT to exist
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py extract_document_text -v0  # versions stored before text extraction existed
	@if [ ! -f var/.demo-loaded ]; then $(BIN)/python manage.py seed_demo && touch var/.demo-loaded; \
	else $(BIN)/python manage.py shell -c "from demo.accounts import demo_logins; print('Demo logins (password enclave-demo):'); [print(f'  {e:<34} {w}') for e, w in demo_logins()]"; fi
	@echo "Enclave: http://127.0.0.1:$(PORT)/ (DEBUG $$([ "$$ENCLAVE_DEBUG" = 1 ] && echo on || echo off))"
	@# Background work (document text, previews) runs in one task worker beside daphne; it stops
	@# with it.
	DJANGO_SETTINGS_MODULE=config.settings.local $(BIN)/python manage.py db_worker --no-reload & \
	worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DJANGO_SETTINGS_MODULE=config.settings.local $(BIN)/daphne -b 127.0.0.1 -p $(PORT) \
		--websocket-max-message-size 524288 config.asgi:application

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test-unit: $(STAMP)
	@echo "Database: $${DATABASE_URL:-SQLite (embedded default)}; channel layer: $${REDIS_URL:+Redis $$REDIS_URL}$${REDIS_URL:-in-memory}"
	$(BIN)/pytest -q --ignore=tests/e2e

test-e2e: $(STAMP)
	@if [ -n "$$ENCLAVE_SKIP_E2E" ]; then echo "Browser tests skipped: ENCLAVE_SKIP_E2E is set."; \
	elif [ ! -x "$(CHROMIUM)" ]; then echo "Browser tests SKIPPED: no Chromium at $(CHROMIUM) (apt-get install chromium)."; \
	else $(BIN)/pytest -q tests/e2e; fi

test: lint test-unit test-e2e

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var/staticfiles mutants

# Mutation testing (docs/architecture.md, "Mutation testing"): mutmut over the files and tests
# named in pyproject.toml [tool.mutmut]; by hand, never in `make test` or CI. Results persist in
# mutants/ (a rerun resumes; delete it to start over). MUTANTS='accounts.policy.*' limits the run
# to some mutants; MUTANTS_CHILDREN workers (2 cores shared: keep it at 1 or 2).
MUTANTS ?=
MUTANTS_CHILDREN ?= 1
mutants: $(STAMP)
	@test -x $(BIN)/mutmut || $(BIN)/pip install -q "mutmut>=3.8,<4"
	env -u DATABASE_URL -u REDIS_URL nice -n 19 $(BIN)/mutmut run --max-children $(MUTANTS_CHILDREN) $(MUTANTS)
	$(BIN)/mutmut results

# Backups (docs/deploy/backups.md): `make backup [KEEP=n]`;
# `make restore FILE=<archive> [FORCE=1] [STAGING=<dir>]`. Production commands, run as the
# service user: they use the venv as it is and never install anything.
.PHONY: backup restore
NEED_VENV = @test -x $(BIN)/python || { echo "No virtualenv at $(VENV) (no $(BIN)/python): create it as in docs/deploy/README.md step 3; make $@ installs nothing." >&2; exit 1; }

backup:
	$(NEED_VENV)
	$(BIN)/python manage.py backup $(if $(KEEP),--keep $(KEEP))

restore:
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=var/backups/enclave-<timestamp>.tar.gz" >&2; exit 2; }
	$(NEED_VENV)
	$(BIN)/python manage.py restore $(if $(FORCE),--force) $(if $(STAGING),--staging-dir "$(STAGING)") "$(FILE)"
