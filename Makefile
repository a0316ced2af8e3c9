# Set-up and everyday commands. Every target installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLE := samples/dispatch-ue-espace.fr.txt

# torch: constraints.txt pins its version (2.13.0), not its build, and pip installs the best build
# it is offered. Where pip's configuration already offers the CPU build (a local wheel folder, as on
# the project's development and CI machines), nothing needs setting: `make install` is CPU. On an
# ordinary Linux machine the public package index's torch is the multi-GB CUDA build; the CPU build
# comes from PyTorch's CPU wheel index (see PyTorch's install selector):
#   make install TORCH_INDEX=<PyTorch's CPU wheel index>
# Its wheels are versioned 2.13.0+cpu, which satisfies the pin and wins over the plain 2.13.0.
# `make install` prints the build it installed; to change the build of an existing .venv:
# `make clean install TORCH_INDEX=...`. For a GPU: `make install-cuda`.
TORCH_INDEX ?=
PIP_TORCH := $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX))
TORCH_BUILD := import torch; print('torch', torch.__version__, \
	f'(CUDA {torch.version.cuda} build)' if torch.version.cuda else '(CPU build)')
NO_CUDA := pip was offered only a CPU build of torch (see pip config list): set TORCH_INDEX to \
	a CUDA wheel index of PyTorch (see its install selector)

.PHONY: install install-cuda test test-slow test-fast lint typecheck demo serve clean

install: $(STAMP)
	@$(BIN)/python -c "$(TORCH_BUILD)"

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt $(PIP_TORCH) -e '.[dev,ray,langid]'
	touch $(STAMP)

# torch's CUDA build in place of a CPU one, for a machine with an NVIDIA GPU. On Linux the public
# package index's torch is the CUDA build; for a driver older than its CUDA, set TORCH_INDEX to a
# CUDA wheel index of PyTorch. The CPU build stays installed until the new one is fetched, and the
# target stops with a message when pip still offers only a CPU build (as on machines whose local
# wheel folder holds it).
install-cuda: install
	@if $(BIN)/python -c "import sys, torch; sys.exit(torch.version.cuda is not None)"; then \
		$(BIN)/python -m pip install --quiet --force-reinstall -c constraints.txt $(PIP_TORCH) torch; \
	fi
	@$(BIN)/python -c "$(TORCH_BUILD)"
	@$(BIN)/python -c "import sys, torch; sys.exit(None if torch.version.cuda else '$(NO_CUDA)')"

lint: install
	$(BIN)/ruff check service tests
	$(BIN)/ruff format --check service tests

typecheck: install
	$(BIN)/mypy

# The default run: lint, type check, every test not marked slow (the browser tests included) and
# the offline eval gate. `make test-slow` runs the rest (servers, Ray, whole CLI runs); CI runs both.
test: install lint typecheck
	$(BIN)/pytest -q -m "not slow"
	$(BIN)/mts eval run --suite offline --gate --bootstrap 200

test-slow: install
	$(BIN)/pytest -q -m slow

# A quick local run: lint and every test not marked slow or e2e (no type check, no eval gate).
test-fast: install lint
	$(BIN)/pytest -q -m "not slow and not e2e"

# The main job: the sample dispatch in English and Korean, with bullet summaries.
demo: install
	$(BIN)/mts process --allow-flags $(SAMPLE)

# The HTTP API on MTS_HOST:MTS_PORT (default 127.0.0.1:8000).
serve: install
	$(BIN)/mts serve

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
