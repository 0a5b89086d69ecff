# Two commands do all set-up: `make test` and `make demo`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

DEMO_DIR ?= runs/demo
DATA_DIR ?= runs/tensorflow_datasets

ACCELERATOR_DIR ?= runs/accelerator

# Sweet Home 3D's furniture libraries (Debian's sweethome3d-furniture, about
# 120 MB, and sweethome3d-furniture-nonfree, about 39 MB): the tests render
# their chairs from a cache outside the repository; `make demo-real` trains
# on their chairs from a copy in runs/.
FURNITURE_CACHE ?= $(HOME)/.cache/deconvnet
REAL_DIR ?= runs/demo-real
REAL_DATA_DIR ?= runs/tensorflow_datasets
REAL_MANUAL_DIR ?= $(REAL_DATA_DIR)/downloads/manual/mesh_renders

# $(call fetch_furniture,DIR): the package's libraries (*.sh3f) and its
# copyright file into DIR, unless DIR exists. Unpacked beside DIR and renamed
# into place, so that an interrupted fetch leaves no DIR.
define fetch_furniture
( if [ -d "$(1)" ]; then exit 0; fi; \
if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then \
	echo "No apt-get here to fetch Sweet Home 3D's furniture: download its libraries (*.sh3f) from https://www.sweethome3d.com/freeModels.jsp into $(1)." >&2; exit 1; \
fi; \
mkdir -p "$$(dirname "$(1)")" && tmp=$$(mktemp -d "$(1).partial-XXXXXX") && \
echo "Fetching sweethome3d-furniture (about 120 MB) into $(1)" && \
(cd "$$tmp" && apt-get download -q sweethome3d-furniture) && \
dpkg-deb -x "$$tmp"/sweethome3d-furniture_*.deb "$$tmp/deb" && \
mv "$$tmp"/deb/usr/share/doc/sweethome3d-furniture/copyright "$$tmp"/deb/usr/share/sweethome3d/furniture/ && \
mv "$$tmp"/deb/usr/share/sweethome3d/furniture "$(1)"; \
rc=$$?; rm -rf "$$tmp"; exit $$rc )
endef

# Debian's sweethome3d-furniture-nonfree: Sweet Home 3D's Contributions,
# LucaPresidente and Trees libraries, 565 models under the Free Art License
# 1.3 (28 of them chairs). It is in Debian's non-free section, which
# apt-get's default sources leave out, so it is fetched from Debian's
# archive by its URL and checked against the archive's SHA-256.
NONFREE_DEB := sweethome3d-furniture-nonfree_1.6.2-2_all.deb
NONFREE_URL := http://deb.debian.org/debian/pool/non-free/s/sweethome3d-furniture-nonfree/$(NONFREE_DEB)
NONFREE_SHA256 := 68d775d8de78e7c6f0bdf80d3fee788e19a0db682d23e4e47eca0f41cd4d5f46

# $(call fetch_nonfree_furniture,DIR): its libraries and copyright file into
# DIR, unless DIR exists. Unpacked two levels above DIR (outside the
# manual folder that DIR may be in, which the dataset reads whole) and
# renamed into place.
define fetch_nonfree_furniture
( if [ -d "$(1)" ]; then exit 0; fi; \
if ! command -v dpkg-deb >/dev/null; then \
	echo "No dpkg-deb here to unpack Debian's sweethome3d-furniture-nonfree: download Sweet Home 3D's Contributions, LucaPresidente and Trees libraries (*.sh3f) from https://www.sweethome3d.com/importModels.jsp into $(1)." >&2; exit 1; \
fi; \
mkdir -p "$$(dirname "$(1)")" && tmp=$$(mktemp -d "$$(dirname "$$(dirname "$(1)")")/.nonfree-partial-XXXXXX") && \
echo "Fetching sweethome3d-furniture-nonfree (about 39 MB) into $(1)" && \
{ $(PYTHON) -c 'import sys, urllib.request; urllib.request.urlretrieve(*sys.argv[1:])' "$(NONFREE_URL)" "$$tmp/$(NONFREE_DEB)" 2>/dev/null || \
	{ echo "Could not download $(NONFREE_URL): check the network, or put the libraries (*.sh3f) from https://www.sweethome3d.com/importModels.jsp into $(1)." >&2; false; }; } && \
{ echo "$(NONFREE_SHA256)  $$tmp/$(NONFREE_DEB)" | sha256sum --check --quiet >/dev/null 2>&1 || \
	{ echo "$(NONFREE_URL) came down with another SHA-256 than Debian's archive lists ($(NONFREE_SHA256)): fetch it again." >&2; false; }; } && \
dpkg-deb -x "$$tmp/$(NONFREE_DEB)" "$$tmp/deb" && \
mv "$$tmp"/deb/usr/share/doc/sweethome3d-furniture-nonfree/copyright "$$tmp"/deb/usr/share/sweethome3d/furniture/ && \
mv "$$tmp"/deb/usr/share/sweethome3d/furniture "$(1)"; \
rc=$$?; rm -rf "$$tmp"; exit $$rc )
endef

# Debian packages the project needs beyond Python, one list for every
# target that needs them. `make system-packages` installs the missing ones
# with apt-get where it can (root, as on CI); elsewhere it names them and
# goes on, and the tests that need them skip, saying why.
# - libegl1 libegl-mesa0 libgl1-mesa-dri: headless OpenGL (EGL + Mesa's
#   software rasteriser) for rendering CAD models (gen.data.mesh_renderer).
# - chromium: the headless browser the explorer's page is tested in
#   (tests/gen/explore/live, driven by Playwright).
APT_PACKAGES := libegl1 libegl-mesa0 libgl1-mesa-dri chromium

.PHONY: test lint format demo demo-real accelerator install system-packages furniture-cache clean

install: $(STAMP)

# Reinstall whenever the package metadata changes.
$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else \
		echo "Missing system packages:$$missing. Install them (Debian/Ubuntu: sudo apt-get install$$missing; elsewhere your system's equivalents); until then the tests that need them skip." >&2; \
	fi

# One worker per core, at most 4: most of the suite's time is single-threaded
# (starting scripts, importing TensorFlow), so two workers halve it on 2 cores.
# Tests go out one at a time, longest first (tests/conftest.py), so that no
# worker is left with a queue of long tests while the others are idle.
test: $(STAMP) system-packages furniture-cache
	$(PY) -m pytest -q -n auto --maxprocesses=4 --maxschedchunk=1 --durations=15

# `apt-get download`, the archive's URL and `dpkg-deb -x` need no root; where
# a package cannot be fetched its real-furniture test skips, saying so.
furniture-cache:
	@$(call fetch_furniture,$(FURNITURE_CACHE)/sweethome3d-furniture) || true
	@$(call fetch_nonfree_furniture,$(FURNITURE_CACHE)/sweethome3d-furniture-nonfree) || true

# The formatter and linter configured in pyproject.toml; `make format`
# rewrites the files, `make lint` only checks (the suite runs it too).
lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The main job on the built-in synthetic chairs: train, then render and score.
demo: $(STAMP)
	mkdir -p $(DATA_DIR)
	$(PY) -m experiments.train --flagfile=experiments/configs/demo.flags \
		--workdir=$(DEMO_DIR) --data_dir=$(DATA_DIR)
	$(PY) -m experiments.render --workdir=$(DEMO_DIR) --real
	$(PY) -m experiments.evaluate --workdir=$(DEMO_DIR)
	@echo
	@echo "Demo run: $(DEMO_DIR)"
	@echo "  generated | real on held-out views: $(DEMO_DIR)/heldout_views.png"
	@echo "  turntables of four chairs:          $(DEMO_DIR)/turntable.gif, $(DEMO_DIR)/render/"
	@echo "  chairs x views, real beside:        $(DEMO_DIR)/render/chairs_views.png"
	@echo "  evaluation table:                   $(DEMO_DIR)/evaluate/evaluation.md"
	@echo "  TensorBoard: $(PY) -m tensorboard.main --logdir $(DEMO_DIR)/tensorboard"
	@echo "  explore it live in the browser:     $(PY) -m experiments.explore --workdir=$(DEMO_DIR)"

# `make demo` on real chairs: the 92 chairs of Sweet Home 3D's libraries in
# Debian's two packages (mesh_renders, rendered once, under a minute on 2
# idle cores at 64x64), then the same 11
# minutes of training, pictures and held-out table as `make demo`.
demo-real: $(STAMP) system-packages
	@$(call fetch_furniture,$(REAL_MANUAL_DIR))
	@$(call fetch_nonfree_furniture,$(REAL_MANUAL_DIR)/sweethome3d-furniture-nonfree)
	$(PY) -m experiments.train --flagfile=experiments/configs/demo_real.flags \
		--workdir=$(REAL_DIR) --data_dir=$(REAL_DATA_DIR)
	$(PY) -m experiments.render --workdir=$(REAL_DIR) --real
	$(PY) -m experiments.evaluate --workdir=$(REAL_DIR)
	@echo
	@echo "Real-chairs demo run: $(REAL_DIR) (models: Sweet Home 3D's libraries; credits in docs/data.md)"
	@echo "  generated | real on held-out views: $(REAL_DIR)/heldout_views.png"
	@echo "  evaluation table:                   $(REAL_DIR)/evaluate/evaluation.md"

# The demo's settings for 8 minutes of training on an accelerator (what
# "auto" picks there), then the held-out table; the log ends with the step
# time, images/s and the held-out figures.
accelerator: $(STAMP)
	mkdir -p $(DATA_DIR)
	$(PY) -m experiments.train --flagfile=experiments/configs/accelerator.flags \
		--workdir=$(ACCELERATOR_DIR) --data_dir=$(DATA_DIR)
	$(PY) -m experiments.evaluate --workdir=$(ACCELERATOR_DIR)

clean:
	rm -rf build *.egg-info .pytest_cache
