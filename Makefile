# The README's commands. `make run` and `make test` work on a fresh machine with
# Python 3.11+, Java 17, Maven and Node 20 (npm): they create .venv and install everything first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_SIZE ?= 10000

.PHONY: install web run test test-fast lint format schema neo4j-start neo4j-stop bench-team bench-orders bench-fraud \
	bench-import bench bench-small bench-invite

$(BIN)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# The web front ends (web/: the Explorer at /explorer/ and GraphiQL at /graphql), built
# with npm from the committed package-lock.json into web/dist, which the app serves.
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/index.html web/graphiql.html \
	web/vite.config.ts web/tsconfig.json

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run build

web: web/dist/index.html

# The typed TypeScript client (clients/typescript, docs/clients.md): codegen and tsc from
# the committed package-lock.json, for tests/ci/test_typescript_client.py. Needs Node 20+.
clients/typescript/node_modules/.installed: clients/typescript/package.json \
		clients/typescript/package-lock.json
	cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/.installed web clients/typescript/node_modules/.installed

run: install
	$(BIN)/referral neo4j start
	$(BIN)/referral demo-data --size $(DEMO_SIZE)
	$(BIN)/referral serve

# psycopg (pinned in requirements-bench.txt) lets the PostgreSQL cross-check of the scale
# benchmark run where PostgreSQL's server programs exist; it skips itself elsewhere.
$(BIN)/.test-installed: $(BIN)/.installed requirements-bench.txt
	$(BIN)/pip install --quiet $$(grep '^psycopg' requirements-bench.txt)
	touch $@

test: install lint $(BIN)/.test-installed
	$(BIN)/pytest

# No database: pure rules, access, settings, the SDL, the CI script, the API without
# Neo4j. Every test that reaches Neo4j carries the `neo4j` marker (tests/conftest.py).
test-fast: install
	$(BIN)/pytest -m "not neo4j" -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app access devtools domain graph resolvers schema

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

schema: install
	$(BIN)/referral schema

neo4j-start: install
	$(BIN)/referral neo4j start

neo4j-stop: install
	$(BIN)/referral neo4j stop

bench-team: install
	$(BIN)/python bench/team_100k.py

bench-orders: install
	$(BIN)/python bench/orders_100k.py

bench-fraud: install
	$(BIN)/python bench/fraud_1m.py

bench-import: install
	$(BIN)/python bench/import_1m.py

# Registration by invite code against by sponsorId (docs/benchmarks.md): its own Neo4j on
# 127.0.0.1:7897 (var/neo4j-bench-invite), stopped at the end; bounded by timeout.
bench-invite: install
	timeout --signal=INT 3600 $(BIN)/python -m bench.invite_registration --n 2000

# The scale benchmark (issue #6, docs/benchmarks.md): starts its own Neo4j (127.0.0.1:7697,
# var/neo4j-bench) and PostgreSQL 15 (127.0.0.1:55432, var/pg-bench; installed from
# Debian's packages if missing), loads both with the same generated files, runs the
# workload, cross-checks, writes bench/results/scale-*/, stops both. Bounded by timeout.
$(BIN)/.bench-installed: $(BIN)/.installed requirements-bench.txt
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@

bench: $(BIN)/.bench-installed
	timeout --signal=INT 10800 $(BIN)/python -m bench.scale --size 1000000 --heap 2g \
		--pagecache 8g --reads 1000 --writes 300 --metrics-calls 100 --scan-runs 2 --budget 120

bench-small: $(BIN)/.bench-installed
	timeout --signal=INT 1800 $(BIN)/python -m bench.scale --size 100000 --heap 1g \
		--pagecache 2g --reads 500 --writes 200 --metrics-calls 100 --sweep-rows 20000
