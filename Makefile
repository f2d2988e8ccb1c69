# Two commands for a fresh machine: `make run` (the app) and `make test` (the tests).
# Both create .venv and install everything on first use; later runs reuse it.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test index eval

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, pinned: the CPU build; an unpinned torch pulled in by a dependency is a multi-GB CUDA one
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/ask-karpathy ask "$(or $(Q),what would Karpathy say about looking at your data?)"

test: $(STAMP)
	$(PY) -m pytest

index: $(STAMP)
	$(VENV)/bin/ask-karpathy index

eval: $(STAMP)
	$(VENV)/bin/ask-karpathy eval
