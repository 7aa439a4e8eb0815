# The two set-up commands of the README:
#   make app    install everything and start the app on the demo project
#   make test   install everything and run the whole test suite (what CI runs)
# Both are idempotent: a second run reuses the virtualenv and the demo database.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_DB ?= dazi-demo/demo.db
PORT   ?= 8501

.PHONY: app test test-slow test-fast install browser-deps demo bench lint readme

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: install
	$(BIN)/dazi --db $(DEMO_DB) demo --if-missing

app: demo
	DAZI_DATABASE_URL=$(DEMO_DB) $(BIN)/streamlit run app.py \
		--server.port $(PORT) --browser.gatherUsageStats false

# Debian's chromium and CJK fonts for the real-browser tests (Playwright drives
# /usr/bin/chromium; it cannot download its own browser here).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null; \
	fi

# ruff (lint and import order) and mypy (types), configured in pyproject.toml; either failing fails the build
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

test: install browser-deps lint
	$(BIN)/python -m pytest -n 2

# timing tests that compare with pandas/jieba on a quiet machine (benchmark-like, on demand)
test-slow: install
	$(BIN)/python -m pytest -n 1 --runslow -m slow

test-fast: install lint
	$(BIN)/python -m pytest -n 2 -m "not browser"

bench: install
	$(BIN)/python benchmarks/run.py

# run every command of the README's tour and write their real outputs back into README.md
# (tests/test_readme.py fails when README.md differs from what the tour gives)
readme: install
	$(BIN)/python -m tests.readme_tour --write
