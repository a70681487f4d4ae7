# One command to run the warehouse on this machine, one to test it.  Python 3.10+ is all it needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
SAMPLE := data/sample
SAMPLE_EVENTS ?= 8000
SAMPLE_SONGS  ?= 80

.PHONY: run test lint sample stop clean reference-check browser lock

run: $(VENV)/.runtime $(SAMPLE)/expected_counts.json
	$(PY) create_tables.py --force
	$(PY) etl.py
	$(PY) result_check.py

test: browser $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The report test opens result_check.py's HTML report in headless Chromium.  Install it when missing and
# this is a root shell with apt-get; otherwise say how (the test then fails with the same advice).
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "make browser: the report test needs Chromium: sudo apt-get install chromium" >&2; \
	fi

sample: $(SAMPLE)/expected_counts.json

$(SAMPLE)/expected_counts.json: | $(VENV)/.runtime
	$(PY) generate_sample_data.py --out $(SAMPLE) --events $(SAMPLE_EVENTS) --song-files $(SAMPLE_SONGS)

# Check the load against the course's public sample when ../shared is there (CI has it).
reference-check: $(VENV)/.runtime
	$(PY) .ci/check_reference.py ../shared/reference-data/udacity-sample

# The benchmark, never part of `make test`: etl.py against DuckDB on generated data sets kept in bench/data/
# (make bench BENCH_SIZES=100000,1000000,5000000), plus the course's sample when ../shared has it.
BENCH_SIZES ?= 100000,1000000
BENCH_DAYS_EVENTS ?= 1000000
BENCH_REFERENCE := ../shared/reference-data/udacity-sample
.PHONY: bench
bench: $(VENV)/.bench
	$(PY) -m bench.run_bench --sizes $(BENCH_SIZES) --days-on-history $(BENCH_DAYS_EVENTS) --json bench/out/bench.json $(if $(wildcard $(BENCH_REFERENCE)),--reference $(BENCH_REFERENCE))
	$(PY) -m bench.endpoint_bench --json bench/out/endpoint.json
	$(PY) -m bench.run_bench --s3 --s3-song-files $(BENCH_S3_SONG_FILES) --json bench/out/bench-s3.json

# S3 reads (make bench-s3): etl.py from a moto server in its own process against a 16-thread plain reader.
BENCH_S3_SONG_FILES ?= 3000
.PHONY: bench-s3
bench-s3: $(VENV)/.bench
	$(PY) -m bench.run_bench --s3 --s3-song-files $(BENCH_S3_SONG_FILES) --json bench/out/bench-s3.json

$(VENV)/.bench: $(VENV)/.runtime requirements-bench.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

# The locks: pyproject.toml names ranges, requirements*.txt the exact versions every install uses, for every
# Python from 3.10 (uv's universal resolution).  `make lock` refreshes them after a change of pyproject.toml.
UV_VERSION := 0.13.9
lock: $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(VENV)/bin/uv pip compile -q --universal --python-version 3.10 pyproject.toml -o requirements.txt
	$(VENV)/bin/uv pip compile -q --universal --python-version 3.10 pyproject.toml --extra dev -o requirements-dev.txt
	$(VENV)/bin/uv pip compile -q --universal --python-version 3.10 pyproject.toml --extra bench -o requirements-bench.txt

stop: $(VENV)/.runtime
	$(PY) -m sparkify.embedded stop

# The locked versions first, then the project itself (editable, no further dependencies): the scripts,
# iac/, bench/ and the tests import the installed package, nothing edits sys.path.
$(VENV)/.runtime: requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Stops the embedded server only when the venv that can stop it exists: cleaning installs nothing.
clean:
	if [ -x $(PY) ]; then $(PY) -m sparkify.embedded stop; fi
	rm -rf $(SAMPLE) .warehouse .pytest_cache .ruff_cache
