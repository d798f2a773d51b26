# The two set-up commands of the README are `make run` and `make check`.
VENV ?= .venv
PY := $(VENV)/bin/python
NODE_TOOLS := tools/node/node_modules/.installed

.PHONY: install run daemon lint test check bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

$(NODE_TOOLS): tools/node/package.json tools/node/package-lock.json
	scripts/install-test-tools
	touch $@

# Install, then open a real session through mcpod-shim: the shim starts the daemon in
# the background on the default config, which serves the `time` server out of the box.
run: install
	$(VENV)/bin/mcpod check --call time__get_current_time --args '{"timezone": "UTC"}'
	$(VENV)/bin/mcpod status

# The daemon in the foreground, logging to the terminal (Ctrl-C stops it).
daemon: install
	$(VENV)/bin/mcpod daemon

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

test: install $(NODE_TOOLS)
	$(VENV)/bin/pytest

check: lint test

# Installs the peers (pinned, under bench/.peers/), then one run of every figure (~7 min).
bench: install $(NODE_TOOLS)
	scripts/install-bench-peers
	$(PY) -m bench

clean:
	rm -rf $(VENV) tools/node/node_modules .pytest_cache .mypy_cache .ruff_cache
