# make demo  : set up, start the sandbox and run the main job against it
# make test  : set up and run every test
# Both are safe to run again; set-up is skipped when nothing changed.

PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   ?= build/demo

.PHONY: setup system-packages test lint demo demo-stop clean

setup: system-packages $(STAMP)

system-packages:
	@scripts/ensure-system-packages

$(STAMP): pyproject.toml jupyter-config/labconfig/page_config.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@# an editable install leaves pyproject's data-files out: JupyterLab's settings for this environment
	@install -D -m 0644 jupyter-config/labconfig/page_config.json $(VENV)/etc/jupyter/labconfig/page_config.json
	@touch $(STAMP)

# the house's static checks (seconds): lint, format, the import contract (.importlinter), the type check
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest

demo: setup
	@scripts/demo $(DEMO)

demo-stop:
	$(BIN)/mailkit sandbox stop --dir $(DEMO)

clean:
	-$(BIN)/mailkit sandbox stop --dir $(DEMO) 2>/dev/null
	rm -rf $(VENV) build .pytest_cache
