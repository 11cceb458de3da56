# Two commands do all the set-up on a fresh machine:
#   make demo   install, generate the sample export, run the pipeline, print where the PDFs are
#   make test   install, run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STAMP  := $(VENV)/.installed
# The installer is pinned like the packages it installs: the same lock, the same tool.
UV_VERSION := 0.13.9

.PHONY: demo test bench install system-deps lock lint clean

demo: install
	$(BIN)/kam demo

test: install
	$(BIN)/pytest

# Speed figures, each beside a reference measured in the same run (never timed tests).
bench: install
	$(BIN)/python -m benchmarks $(BENCH)

install: system-deps $(STAMP)

# Python dependencies come from the committed lock, so a fresh install is reproducible.
# Byte code is compiled at install: uv does not by default, and where PYTHONDONTWRITEBYTECODE
# is set every process would compile its thousands of imported modules again (the pipeline's
# imports took 24 s instead of 9, and every render worker and Prefect's server paid the same).
$(STAMP): requirements.lock pyproject.toml
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --require-hashes --compile-bytecode -p $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet -p $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q kam flows benchmarks >/dev/null
	touch $(STAMP)

# WeasyPrint needs Pango, and HarfBuzz-subset to subset fonts fast (the CJK font especially);
# Chinese reports need a CJK font; PDF checks use poppler-utils. The models' Spark target
# (a local pyspark) needs Java 17 or later.
system-deps:
	@if ! fc-list 2>/dev/null | grep -qiE "wqy|noto (sans|serif) cjk" \
	    || ! command -v pdftoppm >/dev/null || ! ldconfig -p | grep -q libpangoft2 \
	    || ! ldconfig -p | grep -q libharfbuzz-subset; then \
	  echo "installing system packages: fonts-wqy-microhei poppler-utils libpango libharfbuzz-subset"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
	    fonts-wqy-microhei poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	    fontconfig >/dev/null && \
	  fc-cache -f >/dev/null; \
	fi
	@if ! command -v java >/dev/null; then \
	  echo "installing system packages: openjdk-17-jre-headless"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
	    openjdk-17-jre-headless >/dev/null; \
	fi

# Re-resolve the lock after changing dependencies in pyproject.toml (existing pins are kept
# where they still fit). Every pin carries its sha256 hashes; `uv pip sync --require-hashes`
# refuses a download that does not match.
lock:
	$(BIN)/uv pip compile --quiet --generate-hashes pyproject.toml --extra test --extra spark -p 3.11 \
	  -o requirements.lock

lint: install
	$(BIN)/ruff check flows kam tests benchmarks

clean:
	rm -rf output warehouse sample_export dbt_project/target dbt_project/logs .pytest_cache
