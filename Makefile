# Set-up and everyday commands. Every target installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLE := samples/dispatch-ue-espace.fr.txt

.PHONY: install test lint typecheck demo serve clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,ray]'
	touch $(STAMP)

lint: install
	$(BIN)/ruff check service tests
	$(BIN)/ruff format --check service tests

typecheck: install
	$(BIN)/mypy

test: install lint typecheck
	$(BIN)/pytest -q
	$(BIN)/mts eval run --suite offline --gate --bootstrap 200

# The main job: the sample dispatch in English and Korean, with bullet summaries.
demo: install
	$(BIN)/mts process $(SAMPLE)

# The HTTP API on MTS_HOST:MTS_PORT (default 127.0.0.1:8000).
serve: install
	$(BIN)/mts serve

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
