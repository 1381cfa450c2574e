# make train: set up .venv and train the baseline.   make test: set up .venv and run the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export NO_ALBUMENTATIONS_UPDATE := 1

.PHONY: install train test test-fast clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# torch/torchvision first, pinned: these builds install from the machine's local disk.
	$(PY) -m pip install --quiet torch==2.14.1 torchvision==0.29.1
	$(PY) -m pip install --quiet -e ".[train,sweep,export,dev]"
	touch $@

install: $(VENV)/.installed

train: install
	$(PY) -m lpr.train experiment=baseline

# Two workers, one a core; a module's tests stay on one worker, so its session fixtures are made once.
test: install
	$(PY) -m pytest -q -n 2 --dist loadfile

test-fast: install
	$(PY) -m pytest -q -n 2 --dist loadfile -m "not slow"

clean:
	rm -rf $(VENV) logs data/cache
