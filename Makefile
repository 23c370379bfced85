# replay_lab: the commands a user needs. Each target first makes sure the virtual
# environment exists (created from requirements.txt, with replay_lab installed editable).
#   make lab        start JupyterLab in notebooks/ (extra arguments: JUPYTER_ARGS=...)
#   make test       lint, unit tests, and every notebook under nbval
#   make notebooks  re-execute every notebook in place (the committed outputs) and copy
#                   each one's key figure to docs/ for the README
#   make bench      run the speed benchmarks in benchmarks/

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Jupyter refuses to start as root unless told; CI machines and containers often run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test notebooks bench lint format

# pytest exits with 5 when it collects no tests. Here that means a broken suite (a renamed
# folder, a bad filter), so say so and fail rather than pass or fail silently.
pytest = $(BIN)/python -m pytest $(1) || { status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: pytest collected no tests from: $(1)" >&2; fi; \
	exit $$status; }

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt -e .
	touch $(STAMP)

lab: $(STAMP)
	cd notebooks && $(abspath $(BIN))/jupyter lab $(ROOT_FLAG) $(JUPYTER_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(call pytest,tests replay_lab --doctest-modules)
	$(call pytest,--nbval-lax --nbval-current-env notebooks)

notebooks: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=600 --ExecutePreprocessor.record_timing=False \
		notebooks/*.ipynb notebooks/solutions/*.ipynb
	$(BIN)/python docs/make_thumbnails.py

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_core.py
	$(BIN)/python benchmarks/bench_buffers.py
	$(BIN)/python benchmarks/bench_lockstep.py
