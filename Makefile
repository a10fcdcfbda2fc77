# Everyday verbs. Each one creates .venv and installs requirements-dev.txt on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTEST := $(BIN)/python -m pytest
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0

.PHONY: run test test-unit test-integration test-deploy test-browser lint invoke bench build validate deploy clean

$(INSTALLED): requirements-dev.txt authorizer/requirements.txt layers/common/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

## run: serve the API on http://localhost:3010 with the embedded development issuer
run: $(INSTALLED)
	$(BIN)/python -m local_api

## test: the whole suite but the slower deploy and browser checks
test: $(INSTALLED)
	$(PYTEST) -m "not deploy and not browser"

test-unit: $(INSTALLED)
	$(PYTEST) -m "not integration and not deploy and not browser"

test-integration: $(INSTALLED)
	$(PYTEST) -m "integration and not deploy and not browser"

## test-browser: drive the API explorer in headless Chromium (Debian's chromium package; skipped without it)
$(VENV)/.browser-installed: $(INSTALLED) requirements-browser.txt
	$(BIN)/python -m pip install --quiet -r requirements-browser.txt
	touch $@

test-browser: $(VENV)/.browser-installed
	$(PYTEST) -m browser

## test-deploy: sam build and the deploy smoke test against a local moto server
test-deploy: $(INSTALLED)
	$(PYTEST) -m deploy

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy authorizer layers/common local_api

## invoke: run one function with one event, e.g. make invoke FUNCTION=PrivateFunction EVENT=events/private.json
invoke: $(INSTALLED)
	@test -n "$(FUNCTION)" -a -n "$(EVENT)" || { echo "usage: make invoke FUNCTION=<logical id> EVENT=events/<file>.json"; exit 2; }
	@$(BIN)/python -m local_api.invoke "$(FUNCTION)" "$(EVENT)"

## bench: the authorizer's cold start and per-request cost, each beside its baseline (writes bench/results/latest.md)
bench: $(INSTALLED)
	$(BIN)/python -m bench

validate: $(INSTALLED)
	$(BIN)/sam validate --lint
	$(BIN)/sam validate

build: $(INSTALLED)
	$(BIN)/sam build

deploy: build
	$(BIN)/sam deploy --guided

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis

## sizes: sam build (arm64), then what each function and layer ships, unzipped and zipped
.PHONY: sizes
sizes: build
	$(BIN)/python scripts/build_sizes.py .aws-sam/build
