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

.PHONY: setup run fakes test test-fast browser-deps clean
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

# make run: the app on PORT and, each as a process of its own, the development fakes
# (devservices/): Stripe on PORT+1, DocuSign on PORT+2. The app, the fakes' links and their
# webhooks use LENDBOOK_HOST (default: this machine's name when it resolves beyond loopback,
# else its first address), so a phone on the same network can sign and pay; all listen on
# LENDBOOK_BIND. The fakes stop when the app does. FAKES=0 serves the app alone, its Stripe and
# DocuSign settings taken from the environment. `make fakes` runs only the fakes.
LENDBOOK_BIND ?= 0.0.0.0
FAKES ?= 1
STRIPE_FAKE_PORT = $(shell echo $$(($(PORT) + 1)))
DOCUSIGN_FAKE_PORT = $(shell echo $$(($(PORT) + 2)))
FAKES_HOST = host=$${LENDBOOK_HOST:-$$($(BIN)/python -m devservices --print-host)}
# The app's side of the fakes (devservices/appenv.py): STRIPE_API_BASE=http://HOST:PORT+1,
# LENDBOOK_DOCUSIGN_BASE_PATH and _OAUTH_HOST=http://HOST:PORT+2, and test-mode development
# values both sides read (STRIPE_API_KEY, STRIPE_WEBHOOK_SECRET, LENDBOOK_DOCUSIGN_ACCESS_TOKEN,
# LENDBOOK_DOCUSIGN_CONNECT_HMAC_KEY): on a host that is not loopback the adapters use no
# local defaults. Not secrets.
FAKES_ENV = eval "$$($(BIN)/python -m devservices --print-app-env --host $$host \
  --port-stripe $(STRIPE_FAKE_PORT) --port-docusign $(DOCUSIGN_FAKE_PORT))" && \
  export NO_PROXY=$$host,$${NO_PROXY:-} no_proxy=$$host,$${no_proxy:-}
FAKES_ARGS = --host $$host --bind $(LENDBOOK_BIND) --app-url http://$$host:$(PORT)
PROBE_ADDR = $(if $(filter 0.0.0.0 ::,$(LENDBOOK_BIND)),127.0.0.1,$(LENDBOOK_BIND))
# wait until process $(1) listens on port $(2); fail if it exits first
wait_listening = until (exec 3<>/dev/tcp/$(PROBE_ADDR)/$(2)) 2>/dev/null; do \
  kill -0 $(1) 2>/dev/null || { echo "$(3) did not start (see above)"; exit 1; }; sleep 0.2; done

run: setup
	$(BIN)/lendbook migrate
	$(BIN)/lendbook demo
	@$(FAKES_HOST); \
	if [ "$(FAKES)" != 0 ]; then \
	  $(FAKES_ENV); \
	  trap 'kill $$pids 2>/dev/null; wait $$pids 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	  $(BIN)/python -m devservices --only stripe --port-stripe $(STRIPE_FAKE_PORT) $(FAKES_ARGS) & \
	  stripe=$$!; pids="$$stripe"; \
	  $(BIN)/python -m devservices --only docusign --port-docusign $(DOCUSIGN_FAKE_PORT) $(FAKES_ARGS) & \
	  docusign=$$!; pids="$$pids $$docusign"; \
	  $(call wait_listening,$$stripe,$(STRIPE_FAKE_PORT),the fake Stripe); \
	  $(call wait_listening,$$docusign,$(DOCUSIGN_FAKE_PORT),the fake DocuSign); \
	fi; \
	echo "Lendbook is starting at http://$$host:$(PORT) (first start builds the frontend)"; \
	$(BIN)/reflex run --env prod --single-port --frontend-port $(PORT) --backend-port $(PORT) \
	  --backend-host $(LENDBOOK_BIND)

fakes: setup
	@$(FAKES_HOST); $(FAKES_ENV); \
	echo "The app's settings for these fakes:"; \
	env | grep -E '^(STRIPE_|LENDBOOK_DOCUSIGN_)' | sort | sed 's/^/  /'; \
	$(BIN)/python -m devservices --port-stripe $(STRIPE_FAKE_PORT) \
	  --port-docusign $(DOCUSIGN_FAKE_PORT) $(FAKES_ARGS)

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
