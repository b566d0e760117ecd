# The README's commands. `make run` and `make test` work on a fresh machine with
# Python 3.11+, Java 17 and Maven: they create .venv and install everything first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_SIZE ?= 10000

.PHONY: install run test lint format schema neo4j-start neo4j-stop bench-team bench-orders bench-fraud bench-import

$(BIN)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/referral neo4j start
	$(BIN)/referral demo-data --size $(DEMO_SIZE)
	$(BIN)/referral serve

test: install lint
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app graph schema resolvers

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
