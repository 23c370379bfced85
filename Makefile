# replay_lab: the commands a user needs. Each target first makes sure the virtual
# environment exists (created from requirements.txt, with replay_lab installed editable).
#   make lab           start JupyterLab in notebooks/ (extra arguments: JUPYTER_ARGS=...)
#   make test          lint, unit tests, every notebook under nbval, the browser site's
#                      build, and the same tests at the oldest supported versions (test-min)
#   make notebooks     re-execute every notebook in place (the committed outputs) and copy
#                      each one's key figure to docs/ for the README
#   make bench         run the speed benchmarks in benchmarks/
# Classroom targets (their tools, requirements-classroom.txt, go into the same .venv):
#   make demo          serve the slider panels as a web app with Voila (DEMO_ARGS=...)
#   make test-browser  every lesson and the dashboard in headless Chromium, with Playwright
#   make site          build the JupyterLite site (the lab in a browser) into build/site
#   make test-min      unit tests and notebooks in .venv-min, at requirements-min.txt

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CLASSROOM := $(VENV)/.classroom
MIN_VENV ?= .venv-min
MIN_STAMP := $(MIN_VENV)/.installed
SITE ?= build/site
CHROMIUM ?= /usr/bin/chromium
# Jupyter refuses to start as root unless told; CI machines and containers often run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test test-min notebooks bench lint format demo test-browser site chromium

# pytest exits with 5 when it collects no tests. Here that means a broken suite (a renamed
# folder, a bad filter), so say so and fail rather than pass or fail silently.
# $(2): the environment's bin folder, $(BIN) unless given.
pytest = $(or $(2),$(BIN))/python -m pytest $(1) || { status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: pytest collected no tests from: $(1)" >&2; fi; \
	exit $$status; }

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt -e .
	touch $(STAMP)

$(CLASSROOM): $(STAMP) requirements-classroom.txt
	$(BIN)/python -m pip install -r requirements-classroom.txt
	touch $(CLASSROOM)

# The oldest supported versions (also the browser site's): requirements-min.txt pins them.
$(MIN_STAMP): requirements.txt requirements-min.txt pyproject.toml
	test -x $(MIN_VENV)/bin/python || $(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install -r requirements.txt -c requirements-min.txt -e .
	touch $(MIN_STAMP)

lab: $(STAMP)
	cd notebooks && $(abspath $(BIN))/jupyter lab $(ROOT_FLAG) $(JUPYTER_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint site
	$(call pytest,tests replay_lab --doctest-modules)
	$(call pytest,--nbval-lax --nbval-current-env notebooks)
	$(MAKE) --no-print-directory test-min

# The slow tests re-run what nbval runs; tests/test_site.py reads the site built by .venv.
test-min: $(MIN_STAMP)
	$(MIN_VENV)/bin/python -c "import numpy, matplotlib, gymnasium, ipywidgets as w; \
		print('test-min: numpy', numpy.__version__, 'matplotlib', matplotlib.__version__, \
		'gymnasium', gymnasium.__version__, 'ipywidgets', w.__version__)"
	$(call pytest,tests replay_lab --doctest-modules -m "not slow" \
		--ignore=tests/test_site.py -p no:cacheprovider,$(MIN_VENV)/bin)
	$(call pytest,--nbval-lax --nbval-current-env notebooks -p no:cacheprovider,$(MIN_VENV)/bin)

notebooks: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=600 --ExecutePreprocessor.record_timing=False \
		notebooks/*.ipynb notebooks/solutions/*.ipynb
	$(BIN)/python docs/make_thumbnails.py

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_core.py
	$(BIN)/python benchmarks/bench_buffers.py
	$(BIN)/python benchmarks/bench_lockstep.py
	$(BIN)/python benchmarks/bench_blind_cliffwalk.py --jobs 2
	$(BIN)/python benchmarks/bench_approx.py
	$(BIN)/python benchmarks/bench_panels.py

demo: $(CLASSROOM)
	$(BIN)/python demo/serve.py $(DEMO_ARGS)

# The site: every notebook, replay_lab as a wheel (piplite installs it in the browser), and
# site/jupyter-lite.json (the Pyodide version). Serve build/site over http, from anywhere.
site: $(CLASSROOM)
	rm -rf $(SITE) build/wheels
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir build/wheels .
	cd site && $(abspath $(BIN))/jupyter lite build --no-sourcemaps \
		--contents $(abspath notebooks) --output-dir $(abspath $(SITE)) \
		--piplite-wheels $(abspath build/wheels)/replay_lab-*.whl

# Debian's Chromium: installed with apt-get when missing and running as root. Playwright's
# own browser download is never used.
chromium:
	@test -x $(CHROMIUM) || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update && apt-get install -y chromium; \
		else \
			echo "error: no Chromium at $(CHROMIUM): install Debian's chromium package" \
				"(sudo apt-get install chromium) or pass CHROMIUM=/path/to/chromium" >&2; \
			exit 1; \
		fi; }

test-browser: $(CLASSROOM) chromium
	$(call pytest,browser_tests --chromium=$(CHROMIUM) -p no:cacheprovider)
