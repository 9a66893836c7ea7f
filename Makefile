# The two commands of the README: `make serve` and `make test`. Both set up everything they need.
# Python packages come from requirements-dev.lock (exact versions and hashes; `make lock` after
# changing pyproject.toml); the image installs requirements.lock (no test tools).
PYTHON ?= python3
UV_VERSION := 0.13.9
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --quiet
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := gateway/node_modules/.installed-stamp
CONSOLE_STAMP := console/dist/.built-stamp
CONSOLE_SOURCES := console/package.json console/package-lock.json console/build.mjs \
	$(wildcard console/src/*)
CHROMIUM ?= chromium

.PHONY: serve test lint lock bench load install gateway-install console browser clean

$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

install: $(STAMP)

$(NODE_STAMP): gateway/package.json gateway/package-lock.json
	cd gateway && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

gateway-install: $(NODE_STAMP)

# The development console: GraphiQL and its editor bundled from the lock file, served by the
# service itself (gateway/console.py). Never a CDN.
$(CONSOLE_STAMP): $(CONSOLE_SOURCES)
	cd console && npm ci --no-audit --no-fund --loglevel=error && node build.mjs
	touch $(CONSOLE_STAMP)

console: $(CONSOLE_STAMP)

# Debian's Chromium for the console's browser test (tests/test_console_browser.py). Installed
# with apt as root; anywhere else it must already be there, or `make test` stops here.
browser:
	@command -v $(CHROMIUM) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends chromium fonts-dejavu-core >/dev/null; \
	  else \
	    echo "chromium is missing: run 'sudo apt-get install chromium' (the console test needs it)" >&2; \
	    exit 1; \
	  fi; }
	@command -v $(CHROMIUM) >/dev/null 2>&1 || { echo "chromium did not install" >&2; exit 1; }

serve: $(STAMP) $(CONSOLE_STAMP)
	$(BIN)/active-graph serve

test: $(STAMP) $(NODE_STAMP) $(CONSOLE_STAMP) browser
	$(BIN)/python -m pytest -q
	$(BIN)/ruff check .

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy gateway schema resolvers authz
	$(BIN)/hadolint Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

# Re-resolve both lock files from pyproject.toml (needs the package index).
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra test $(LOCK_FLAGS) -o requirements-dev.lock

bench: $(STAMP)
	$(BIN)/python bench/masking.py
	$(BIN)/python bench/http_ratios.py
	$(BIN)/python bench/scale.py

# 50 concurrent clients for 60 s against `serve` on loopback (README "Limits and faults").
load: $(STAMP)
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) gateway/node_modules console/node_modules console/dist .active-graph
