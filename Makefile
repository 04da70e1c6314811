# Borderless: `make run` sets up and starts everything; `make test` sets up and runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
RASA_VENV := .venv-rasa
PY := $(VENV)/bin/python
RASA := $(RASA_VENV)/bin/rasa
PYTHON311 ?= python3
VAR := var

export RASA_PORT ?= 5005
export ACTIONS_PORT ?= 5055
export ORDERS_PORT ?= 8101
export RECOMMENDER_PORT ?= 8102
export KNOWLEDGE_PORT ?= 8103
export MODELS_PORT ?= 8104
export CONSOLE_PORT ?= 8100
# Every service listens on loopback unless told otherwise; put a TLS proxy in front of the public ones
# (Rasa's /webhooks/* and /socket.io, the console) — see SECURITY.md.
export RASA_HOST ?= 127.0.0.1
export ACTIONS_HOST ?= 127.0.0.1
# Messaging apps: empty means "not configured" (the channel is disabled); set them in the environment.
export TELEGRAM_ACCESS_TOKEN ?=
export TELEGRAM_WEBHOOK_URL ?=
export TELEGRAM_SECRET_TOKEN ?=
export TWILIO_ACCOUNT_SID ?=
export TWILIO_AUTH_TOKEN ?=
export TWILIO_WHATSAPP_NUMBER ?=
export TWILIO_WEBHOOK_URL ?=
export FB_VERIFY_TOKEN ?=
export FB_APP_SECRET ?=
export FB_PAGE_ACCESS_TOKEN ?=
export WHATSAPP_VERIFY_TOKEN ?=
export WHATSAPP_APP_SECRET ?=
export WHATSAPP_ACCESS_TOKEN ?=
export WHATSAPP_PHONE_NUMBER_ID ?=
export RASA_CORS_ORIGINS ?= *
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PYTHONUNBUFFERED := 1


.PHONY: help install data train bootstrap run test test-unit test-integration test-security test-stories test-rasa-unit test-browser browser models validate lint format clean bench-smoke

help:
	@echo "make run   - install what is missing, train, index, start every service, print the URLs"
	@echo "make test  - install what is missing and run the whole test suite"

install: ## both virtualenvs, idempotent (seconds when nothing changed)
	@py310=$$(scripts/find_python310.sh) && scripts/ensure_venv.sh $(RASA_VENV) "$$py310" requirements/rasa.txt
	@$(PYTHON311) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' || \
	  { echo "Python 3.11 is needed for $(VENV): set PYTHON311=/path/to/python3.11" >&2; exit 1; }
	@scripts/ensure_venv.sh $(VENV) $(PYTHON311) requirements/app.txt

data: install ## demo shop data (deterministic; regenerated only when missing)
	@test -f $(VAR)/demo_shop/manifest.json || $(PY) -m backends.demo_shop.generate

train: install ## retrains only when config.yml, domain.yml or bot/ changed (content hash)
	@scripts/train_if_changed.sh $(RASA)

bootstrap: data ## databases, knowledge index and recommender model (each skips work already done)
	$(PY) -m backends.orders bootstrap
	$(PY) -m backends.recommender bootstrap
	$(PY) -m knowledge bootstrap
	$(PY) -m channels bootstrap

run: install data train bootstrap
	@echo ""
	@echo "Borderless is starting:"
	@echo "  Widget channel      http://$(RASA_HOST):$(RASA_PORT)/webhooks/widget/webhook  (signed sessions: POST :$(CONSOLE_PORT)/widget/session)"
	@echo "  Rasa socket.io      http://$(RASA_HOST):$(RASA_PORT)/socket.io  (same signed sessions)"
	@echo "  Rasa HTTP API       http://$(RASA_HOST):$(RASA_PORT)/  (?token= from RASA_TOKEN or var/rasa_token)"
	@echo "  Action server       http://127.0.0.1:$(ACTIONS_PORT)/health"
	@echo "  Orders service      http://127.0.0.1:$(ORDERS_PORT)/health"
	@echo "  Recommender         http://127.0.0.1:$(RECOMMENDER_PORT)/health"
	@echo "  Models service      http://127.0.0.1:$(MODELS_PORT)/health"
	@echo "  Knowledge service   http://127.0.0.1:$(KNOWLEDGE_PORT)/health"
	@echo "  Agents' console     http://127.0.0.1:$(CONSOLE_PORT)/console"
	@echo "  Demo shop + widget  http://127.0.0.1:$(CONSOLE_PORT)/demo"
	@echo "Ctrl-C stops everything."
	@echo ""
	$(VENV)/bin/honcho start -f Procfile

validate: install
	$(RASA) data validate --data bot/data --domain domain.yml --config config.yml

test-unit: install data
	$(PY) -m pytest tests/unit -q

test-integration: install data train
	$(PY) -m pytest tests/integration -q

test-security: install data train ## attack tests against the real processes (tests/security, SECURITY.md)
	$(PY) -m pytest tests/security -q

test-stories: install train
	$(RASA) test core --model trained --stories tests/stories --e2e \
	  --fail-on-prediction-errors --out results/stories

browser: ## Debian's Chromium for the browser tests (only when /usr/bin/chromium is missing)
	scripts/install_browser.sh

test-rasa-unit: install
	$(RASA_VENV)/bin/python -m pytest tests/rasa_unit -q -p no:cacheprovider

test-browser: install data train browser
	$(PY) -m pytest tests/browser -q -m browser

bench-smoke: install data train ## the end-to-end load benchmark in smoke mode: a few turns, must finish with 0 errors
	$(PY) benchmarks/load.py --quick
	$(PY) benchmarks/conversations.py --smoke --out results/conversations-smoke.json

test: lint validate test-unit test-integration test-security test-rasa-unit test-browser test-stories bench-smoke
	@echo "make test: all suites passed"

# Code that runs in the Rasa server (Python 3.10 venv) is type-checked against that venv's packages.
RASA_SIDE := bot channels/messaging.py channels/whatsapp_cloud.py channels/widget_channel.py channels/socketio_channel.py
lint: install ## ruff (lint + format) and mypy over all non-test code
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/python -m mypy actions backends channels clients knowledge models retrieval svc \
	  --exclude '^channels/(messaging|whatsapp_cloud|widget_channel|socketio_channel)\.py$$'
	$(VENV)/bin/python -m mypy --python-executable $(RASA_VENV)/bin/python --python-version 3.10 $(RASA_SIDE)

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

models: install ## download the Hugging Face weights named in models/models.yaml (needs internet; offline defaults need nothing)
	$(PY) -m models download

clean:
	rm -rf trained results $(VAR)
