# The two commands a newcomer needs: `make run` and `make test`.  Everything else
# (virtualenv, pinned packages, training) happens on the way, only when needed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
RASA    := $(VENV)/bin/rasa
STAMP   := $(VENV)/.installed-$(shell sha256sum requirements.lock | cut -c1-12)
CHROMIUM := /usr/bin/chromium
NGINX   := /usr/sbin/nginx

# Rasa 3.6 runs on Python 3.8-3.10 only: find a working python3.10 on PATH or in pyenv.
PYTHON310 := $(shell for p in python3.10 $(HOME)/.pyenv/versions/3.10*/bin/python3.10 \
	/usr/local/bin/python3.10 /usr/bin/python3.10; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 \
	&& { command -v "$$p"; break; }; done)

export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# Rasa reports usage and errors to its servers unless told not to (bot/settings.py NO_TELEMETRY).
export RASA_TELEMETRY_ENABLED := false

.PHONY: users migrate console-summaries bench-console demo-data trainer
.PHONY: help setup train train-baseline run run-prod test test-fast shell eval bench lock nlu-data clean browser nginx lint answers

help:
	@echo "make run    set up, train if needed, start the assistant on localhost"
	@echo "make test   set up, train if needed, run every test"
	@echo "make test-fast  set up, lint, every test but tests/system, on every core (no model, browser or nginx; about 70 s here)"
	@echo "make run-prod  the production profile (PostgreSQL, Redis, several Rasa processes, nginx)"
	@echo "make train | shell | eval | bench | bench-console | nlu-data | lock | clean"
	@echo "make answers  docs/answers.md: every answer as the customer reads it (fixes in every combination, every reply)"
	@echo "make users ARGS='create NAME --role agent|trainer|admin' | migrate | console-summaries"
	@echo "make demo-data ARGS='[--conversations 20000 --tickets 2000 --force ...]'  three months of use in the configured databases"
	@echo "make trainer ARGS='inbox|accept ID|relabel ID INTENT|dismiss ID|add TEXT --intent X|retrain|models|rollback'"

$(STAMP): requirements.lock
	@if [ -z "$(PYTHON310)" ]; then \
	  echo "ERROR: Python 3.10 not found. Rasa 3.6 needs Python 3.8-3.10."; \
	  echo "Install it (e.g. 'pyenv install 3.10.13') or put python3.10 on PATH."; \
	  exit 1; fi
	@echo "Creating $(VENV) with $(PYTHON310) and installing requirements.lock ..."
	@[ -x $(PY) ] || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==24.0
	$(PY) -m pip install --quiet --no-deps -r requirements.lock
	$(PY) -m pip check
	@rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

# Browser tests drive Debian's Chromium; no tool may download a browser of its own.
$(CHROMIUM):
	@echo "Installing Debian's chromium and chromium-driver for the browser tests ..."
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null

browser: $(CHROMIUM)

# The production profile's load balancer, from Debian's packages.
$(NGINX):
	@echo "Installing Debian's nginx for the production profile ..."
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx >/dev/null

nginx: $(NGINX)

nlu-data: setup
	$(PY) -m bot.catalogue.nlu_data

# Reviewers read docs/answers.md, not YAML; a test fails when it is stale.
answers: setup
	$(PY) -m bot.ops.answers

# $(call train_if_stale,CONFIG,NAME): trains models/NAME.tar.gz when its inputs changed
# (config, domain, data, the model's code, the lock file: bot/trainer/project.py).
define train_if_stale
	@fingerprint="$$($(PY) -m bot.ops.trainer fingerprint --config $(1))" || exit 1; \
	if [ -f models/$(2).tar.gz ] && [ "$$(cat models/$(2).fingerprint 2>/dev/null)" = "$$fingerprint" ]; then \
	  echo "Model is up to date with data and config (models/$(2).tar.gz)."; \
	else \
	  echo "Training models/$(2).tar.gz (data or config changed, or no model yet) ..."; \
	  $(RASA) train --config $(1) --domain domain.yml --data data \
	    --out models --fixed-model-name $(2) && \
	  echo "$$fingerprint" > models/$(2).fingerprint; \
	fi
endef

train: setup
	$(call train_if_stale,config.yml,current)

# Rasa's default pipeline and policies on the same data: the benchmark's baseline.
train-baseline: setup
	$(call train_if_stale,bot/ops/baseline_config.yml,baseline)

run: train
	$(PY) -m bot.ops.launcher

# PostgreSQL, Redis lock store, RASA_PROCESSES (2) Rasa processes behind nginx.
run-prod: train nginx
	ASSISTANT_PROFILE=production $(PY) -m bot.ops.launcher

shell: train
	$(PY) -m bot.ops.shell

lint: setup
	$(VENV)/bin/ruff check bot actions tests
	$(VENV)/bin/lint-imports --no-cache

test: train browser nginx lint
	$(PY) -m pytest

# The fast loop: every test but the system ones (tests/system: servers, browsers, the
# trained model). Needs only PostgreSQL and Redis, which run on every machine.
test-fast: setup lint
	$(PY) -m pytest -m "not system" -n auto

eval: train
	$(PY) -m bot.ops.evaluate

# Ours (production profile, one embedded process) against stock Rasa, at human pace:
# about 25-35 min (README "Measured"); `make eval` prints the held-out accuracy.
bench: train train-baseline nginx
	$(PY) -m bot.ops.bench $(ARGS)

# Staff console: accounts (make users ARGS="create bo --role agent"), schema, summaries, speed.
users: setup
	$(PY) -m bot.ops.users $(ARGS)

migrate: setup
	$(PY) -m bot.ops.manage migrate

console-summaries: setup
	$(PY) -m bot.ops.manage rebuild-summaries

bench-console: setup
	$(PY) -m bot.ops.bench_console $(ARGS)

demo-data: setup
	$(PY) -m bot.ops.demo_data $(ARGS)

# Trainers' tools: make trainer ARGS="inbox" | ARGS="relabel ID INTENT" | ARGS="retrain" | ARGS="models" | ARGS="rollback"
trainer: setup
	$(PY) -m bot.ops.trainer $(ARGS)

lock:
	$(PY) -m pip freeze --all --exclude-editable | sed '1i # Generated by `make lock` (pip freeze) from requirements.in; Python 3.10.' > requirements.lock

clean:
	rm -rf $(VENV) models/current.* var .pytest_cache
