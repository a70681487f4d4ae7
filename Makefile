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
	$(PY) -m bench.relay_floor --json bench/out/relay-floor.json
	$(PY) -m bench.copy_text_bench --json bench/out/copy-text.json
	$(PY) -m bench.data_api_bench --json bench/out/data_api.json
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

# --- Peers' own test suites against the endpoint (README "Peers' test suites"; peers/BASELINE.md) ---------
# Each target extracts a peer's tests from a git checkout (default: where the `fetch` tool puts a mirror;
# else `git clone https://github.com/<owner>/<repo>` and pass its .git, e.g.
# make peer-dbt-redshift DBT_ADAPTERS_GIT=~/src/dbt-adapters/.git), installs the peer's packages into its own
# venv under peers/ (never into .venv), starts a real endpoint, runs the suite with a junit XML in peers/out/,
# stops the endpoint and prints "N passed, N failed, N skipped".  PEER_ARGS narrows a run (pytest arguments);
# an empty pytest.ini beside each suite keeps our pyproject.toml's pytest settings out of it.
PEER_MIRROR ?= /work/.mirror
REDSHIFT_CONNECTOR_GIT ?= $(PEER_MIRROR)/aws+amazon-redshift-python-driver/repo
SQLALCHEMY_REDSHIFT_GIT ?= $(PEER_MIRROR)/sqlalchemy-redshift+sqlalchemy-redshift/repo
DBT_ADAPTERS_GIT ?= $(PEER_MIRROR)/dbt-labs+dbt-adapters/repo
PEER_ARGS ?=
PEER_PIP = -m pip install --quiet --disable-pip-version-check
PEER_RUN = $(PY) peers/endpoint_run.py

.PHONY: peer-redshift-connector peer-sqlalchemy-redshift peer-dbt-redshift dbt-project peers-clean

# AWS's driver, test/integration, minus the identity-provider tests (plugin/, test_idp_token_auth_integration)
# and the AWS host-name lookups (test_redshift_property): the driver installed is the version of the tests.
RC_SRC := peers/src/redshift-connector
RC_VENV := peers/venv-redshift-connector
RC_TESTS ?= test/integration
peer-redshift-connector: $(VENV)/.runtime
	rm -rf $(RC_SRC) && mkdir -p $(RC_SRC)
	git --git-dir=$(REDSHIFT_CONNECTOR_GIT) archive HEAD test redshift_connector/version.py | tar -x -C $(RC_SRC)
	test -x $(RC_VENV)/bin/python || $(PYTHON) -m venv $(RC_VENV)
	$(RC_VENV)/bin/python $(PEER_PIP) "redshift_connector[full]==$$(sed -n 's/^__version__ = "\(.*\)"/\1/p' $(RC_SRC)/redshift_connector/version.py)" "pytest<7.4" "pytest-mock<=3.2.0"
	rm -rf $(RC_SRC)/redshift_connector && printf '[pytest]\n' > $(RC_SRC)/pytest.ini
	$(PEER_RUN) --name redshift-connector --junit peers/out/redshift-connector.xml --cwd $(RC_SRC) \
		--connector-config $(RC_SRC)/test/config.ini -- $(CURDIR)/$(RC_VENV)/bin/python -m pytest -p no:cacheprovider \
		-q --junitxml=$(CURDIR)/peers/out/redshift-connector.xml $(RC_TESTS) \
		--ignore=test/integration/plugin --ignore=test/integration/test_idp_token_auth_integration.py \
		--ignore=test/integration/test_redshift_property.py $(PEER_ARGS)

# sqlalchemy-redshift's tests/ on psycopg2 and on redshift_connector, with tox.ini's pins.
SR_SRC := peers/src/sqlalchemy-redshift
SR_VENV := peers/venv-sqlalchemy-redshift
peer-sqlalchemy-redshift: $(VENV)/.runtime
	rm -rf $(SR_SRC) && mkdir -p $(SR_SRC)
	git --git-dir=$(SQLALCHEMY_REDSHIFT_GIT) archive HEAD tests | tar -x -C $(SR_SRC)
	printf '[pytest]\n' > $(SR_SRC)/pytest.ini
	test -x $(SR_VENV)/bin/python || $(PYTHON) -m venv $(SR_VENV)
	$(SR_VENV)/bin/python $(PEER_PIP) sqlalchemy-redshift==1.0.0 sqlalchemy==2.0.48 psycopg2-binary==2.9.11 \
		alembic==1.13.1 packaging pytest==8.3.4 requests redshift_connector==2.1.4
	PYTHONPATH=$(CURDIR)/peers $(PEER_RUN) --name sqlalchemy-redshift --junit peers/out/sqlalchemy-redshift.xml \
		--cwd $(SR_SRC) -- $(CURDIR)/$(SR_VENV)/bin/python -m pytest -p no:cacheprovider -p sqlalchemy_tls_trust \
		-q --junitxml=$(CURDIR)/peers/out/sqlalchemy-redshift.xml tests \
		--dbdriver psycopg2 --dbdriver redshift_connector $(PEER_ARGS)

# dbt-redshift's functional adapter tests: the basic ones (materializations, incremental, snapshots, seeds,
# adapter methods, catalog, persist docs, empty, show), with dbt-redshift of the tests' own version.  dbt-core
# stays on 1.11: 1.12's parser package downloads a wheel from GitHub while it installs (no registry mirror).
DBT_SRC := peers/src/dbt-redshift
DBT_VENV := peers/venv-dbt-redshift
DBT_TESTS ?= tests/functional/adapter/test_basic.py tests/functional/adapter/incremental/test_incremental_strategies.py \
	tests/functional/adapter/incremental/test_incremental_unique_id.py tests/functional/adapter/test_simple_snapshot.py \
	tests/functional/adapter/test_simple_seed.py tests/functional/adapter/test_adapter_methods.py \
	tests/functional/adapter/catalog_tests tests/functional/adapter/test_persist_docs.py \
	tests/functional/adapter/empty tests/functional/adapter/dbt_show
peer-dbt-redshift: $(VENV)/.runtime
	rm -rf $(DBT_SRC) && mkdir -p peers/src
	git --git-dir=$(DBT_ADAPTERS_GIT) archive HEAD dbt-redshift/tests dbt-redshift/src/dbt/adapters/redshift/__version__.py \
		dbt-tests-adapter/src/dbt/tests/__about__.py | tar -x -C peers/src
	mv peers/src/dbt-tests-adapter/src/dbt/tests/__about__.py $(DBT_SRC)/tests-adapter-version.py && rm -rf peers/src/dbt-tests-adapter
	test -x $(DBT_VENV)/bin/python || $(PYTHON) -m venv $(DBT_VENV)
	$(DBT_VENV)/bin/python $(PEER_PIP) "dbt-redshift==$$(sed -n 's/^version = "\(.*\)"/\1/p' $(DBT_SRC)/src/dbt/adapters/redshift/__version__.py)" \
		"dbt-tests-adapter==$$(sed -n 's/^version = "\(.*\)"/\1/p' $(DBT_SRC)/tests-adapter-version.py)" \
		"dbt-core>=1.10,<1.12" "pytest>=7,<8" pytest-mock freezegun
	rm -rf $(DBT_SRC)/src && printf '[pytest]\n' > $(DBT_SRC)/pytest.ini
	$(PEER_RUN) --name dbt-redshift --junit peers/out/dbt-redshift.xml --cwd $(DBT_SRC) -- \
		$(CURDIR)/$(DBT_VENV)/bin/python -m pytest -p no:cacheprovider -q \
		--junitxml=$(CURDIR)/peers/out/dbt-redshift.xml $(DBT_TESTS) $(PEER_ARGS)

# A dbt project of our own (tests/dbt_project/: seeds, views, a table, the three incremental strategies, a
# materialized view, snapshots, generic and singular tests, docs) run end to end against a real endpoint by
# dbt-redshift in the dbt venv: dbt-redshift needs redshift_connector < 2.2, which our dev lock pins higher, so
# it stays out of .venv and of `make test`.
DBT_PROJECT_PINS ?= "dbt-redshift>=1.10,<1.12" "dbt-core>=1.10,<1.12" "pytest>=7,<8"
dbt-project: $(VENV)/.runtime
	test -x $(DBT_VENV)/bin/python || ($(PYTHON) -m venv $(DBT_VENV) && $(DBT_VENV)/bin/python $(PEER_PIP) $(DBT_PROJECT_PINS))
	$(PEER_RUN) --name dbt-project --junit peers/out/dbt-project.xml -- $(CURDIR)/$(DBT_VENV)/bin/python -m pytest \
		-p no:cacheprovider -q -c tests/dbt_project/pytest.ini --junitxml=$(CURDIR)/peers/out/dbt-project.xml \
		tests/dbt_project/dbt_project_check.py $(PEER_ARGS)

peers-clean:
	rm -rf peers/src peers/venv-* peers/out
