# stackatlas: `make run` starts the atlas, `make test` runs every check (CI), `make test-fast` the quick ones.
# All set up what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup run serve build system-deps test test-fast lint typecheck unit docs clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

setup: $(STAMP)

# build (a no-op when the data did not change), then serve the web atlas on http://127.0.0.1:8000/
HOST ?= 127.0.0.1
PORT ?= 8000
build: setup
	$(BIN)/stackatlas build

run: build
	$(BIN)/stackatlas serve --host $(HOST) --port $(PORT)

serve: run

# Debian packages the tests need; CI calls this before `make test`. Only the missing ones are installed:
# chromium (browser of the web tests); Pango, HarfBuzz and fonts (WeasyPrint: the PDF briefings);
# poppler-utils (pdftotext, pdftoppm: the report tests read PDFs back and save page images);
# a Java runtime when none is installed (PySpark, for the DuckDB/Spark parity test)
SYSTEM_PACKAGES := chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
                   fonts-dejavu-extra poppler-utils
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done; \
	    command -v java >/dev/null || echo default-jre-headless); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  echo "installing:" $$missing; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

lint: setup
	$(BIN)/ruff check src tests benchmarks

typecheck: setup
	$(BIN)/mypy

unit: setup system-deps
	$(BIN)/python -m pytest

test: lint typecheck unit

# while you work: lint, types and every test not marked slow (no Spark, PDF, browser, large-scale or
# multi-second runs), on both cores (pytest-xdist); property tests draw a tenth of their examples
test-fast: setup lint typecheck
	STACKATLAS_FAST_TESTS=1 $(BIN)/python -m pytest -m "not slow" -n 2

# regenerate the documents that are generated from code (tests fail when they are stale)
docs: setup
	$(BIN)/python -m stackatlas.store > docs/database.md
	$(BIN)/python -m stackatlas.cli.reference > docs/cli.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
