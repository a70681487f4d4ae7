# One command to run the warehouse on this machine, one to test it.  Python 3.10+ is all it needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
SAMPLE := data/sample
SAMPLE_EVENTS ?= 8000
SAMPLE_SONGS  ?= 80

.PHONY: run test lint sample stop clean reference-check

run: $(VENV)/.runtime $(SAMPLE)/expected_counts.json
	$(PY) create_tables.py
	$(PY) etl.py
	$(PY) result_check.py

test: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

sample: $(SAMPLE)/expected_counts.json

$(SAMPLE)/expected_counts.json: | $(VENV)/.runtime
	$(PY) generate_sample_data.py --out $(SAMPLE) --events $(SAMPLE_EVENTS) --song-files $(SAMPLE_SONGS)

# Check the load against the course's public sample when ../shared is there (CI has it).
reference-check: $(VENV)/.runtime
	$(PY) .ci/check_reference.py ../shared/reference-data/udacity-sample

stop: $(VENV)/.runtime
	$(PY) -m sparkify.embedded stop

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

clean: stop
	rm -rf $(SAMPLE) .warehouse .pytest_cache .ruff_cache
