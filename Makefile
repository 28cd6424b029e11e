# Lendbook: `make run` serves the app, `make test` runs every test; both set themselves up.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
BUN := $(CURDIR)/tools/bun/node_modules/.bin
PORT ?= 3000

export PATH := $(BUN):$(BIN):$(PATH)
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export NPM_CONFIG_REGISTRY ?= $(shell npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)
export LENDBOOK_PORT := $(PORT)
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup run test test-fast browser-deps clean
.PHONY: docs docs-serve

setup: $(VENV)/.installed $(BUN)/bun

$(VENV)/.installed: pyproject.toml
	command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required"; exit 1; }
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

$(BUN)/bun: tools/bun/package.json tools/bun/package-lock.json
	cd tools/bun && npm ci --no-audit --no-fund --loglevel=error
	$(BUN)/bun --version >/dev/null
	touch $@

run: setup
	$(BIN)/lendbook migrate
	$(BIN)/lendbook demo
	@echo "Lendbook is starting at http://localhost:$(PORT) (first start builds the frontend)"
	$(BIN)/reflex run --env prod --single-port --frontend-port $(PORT) --backend-port $(PORT)

browser-deps:
	@[ -x /usr/bin/chromium ] || { echo "installing Debian chromium"; \
	  $$(command -v sudo) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$(command -v sudo) apt-get install -y -qq --no-install-recommends chromium; }

test: setup browser-deps
	$(BIN)/mkdocs build --strict --site-dir $(CURDIR)/.site-check  # not -q: it hides strict failures
	timeout 3000 $(BIN)/pytest

test-fast: setup
	$(BIN)/pytest -m "not browser"

# The documentation site (docs/, mkdocs.yml) built into site/; docs-serve serves it while editing.
docs: $(VENV)/.installed
	$(BIN)/mkdocs build --strict --site-dir $(CURDIR)/site
	@echo "Built site/. Serve it while editing: make docs-serve (mkdocs serve -a 0.0.0.0:8001)"

docs-serve: $(VENV)/.installed
	$(BIN)/mkdocs serve -a 0.0.0.0:8001

clean:
	rm -rf .web .states $(VENV) tools/bun/node_modules
