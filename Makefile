# The two commands of the README: `make serve` and `make test`. Both set up everything they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := gateway/node_modules/.installed-stamp

.PHONY: serve test lint bench load install gateway-install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

$(NODE_STAMP): gateway/package.json gateway/package-lock.json
	cd gateway && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

gateway-install: $(NODE_STAMP)

serve: $(STAMP)
	$(BIN)/active-graph serve

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -q
	$(BIN)/ruff check .

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy gateway schema resolvers authz

bench: $(STAMP)
	$(BIN)/python bench/masking.py

# 50 concurrent clients for 60 s against `serve` on loopback (README "Limits and faults").
load: $(STAMP)
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) gateway/node_modules .active-graph
