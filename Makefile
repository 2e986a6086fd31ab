# The two commands a newcomer needs: `make run` and `make test`. Both install into ./.venv first.
# `make bench` runs the benchmarks (README, "Performance"): `make bench SCENARIOS="read write"`,
# `make bench QUICK=1` for the smoke-test size. The harness (bench/) is no part of the installed
# package: `python -m bench` runs it from this directory, which is why make runs it here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
# PORT unset: `diptych serve` takes DIPTYCH_PORT, else 8000.
PORT ?=
STAMP := $(VENV)/.installed

SCENARIOS ?=
# A PostgreSQL server (postgresql+asyncpg://...) on which crud-vs-cqrs may create its scratch
# database when DIPTYCH_DATABASE_URL is not PostgreSQL; empty: that scenario is reported as not run.
DIPTYCH_BENCH_POSTGRES_URL ?=

# `make chaos` breaks one part at a time under a stream of writes and checks the index still
# matches the write store (chaos/, `python -m chaos`); `make chaos SCENARIOS=rabbitmq-node-loss`.
# It needs PostgreSQL for its scratch databases, and RabbitMQ and haproxy installed.
DIPTYCH_CHAOS_POSTGRES_URL ?=

.PHONY: run test bench chaos lint typecheck clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/diptych serve $(if $(PORT),--port $(PORT))

test: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	DIPTYCH_BENCH_POSTGRES_URL='$(DIPTYCH_BENCH_POSTGRES_URL)' \
		$(BIN)/python -m bench $(SCENARIOS) $(if $(QUICK),--quick)

chaos: $(STAMP)
	DIPTYCH_CHAOS_POSTGRES_URL='$(DIPTYCH_CHAOS_POSTGRES_URL)' $(BIN)/python -m chaos $(SCENARIOS)

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy diptych schema write read workers tests bench chaos

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
