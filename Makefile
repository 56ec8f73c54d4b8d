# Two commands set up everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test package docs lint explore fuzz bench mermaid clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "conference-sim needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' --config-settings editable_mode=compat
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/conference-sim run scenarios/01-simple.yaml --format table

test: $(STAMP)
	$(BIN)/python -m pytest -q
	$(MAKE) --no-print-directory docs package

package: $(STAMP)  # the wheel as users install it: a fresh venv without extras, every command
	$(BIN)/python tests/package/check_installed.py

docs: $(STAMP)  # the documentation site, built strictly (a broken link or page fails)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir .cache/site

explore: $(STAMP)
	$(BIN)/conference-sim explore --examples 2000 --profile large
	$(BIN)/conference-sim explore --examples 1000 --profile medium --shuffle-ties 1

fuzz: $(STAMP)
	CONFERENCE_SIM_FUZZ_EXAMPLES=20000 $(BIN)/python -m pytest -q tests/test_hostile.py -k fuzz
	CONFERENCE_SIM_STATE_STEPS=100000 $(BIN)/python -m pytest -q tests/test_app_state_machine.py
	CONFERENCE_SIM_SCHEMATHESIS_EXAMPLES=300 $(BIN)/python -m pytest -q tests/test_rest_fuzz.py

mermaid:  # the Mermaid renderer the picture tests use when present (npm registry)
	mkdir -p .cache/mermaid && cd .cache/mermaid && npm install --silent --no-audit --no-fund mermaid@11

bench: $(STAMP)
	$(BIN)/python bench/bench.py
	$(BIN)/python bench/app_overhead.py
	$(BIN)/python bench/suite.py
	$(BIN)/python bench/serve_load.py

lint: $(STAMP)
	$(BIN)/ruff check conference_sim tests bench scenarios docs
	$(BIN)/ruff format --check conference_sim tests bench scenarios docs

clean:
	rm -rf $(VENV) build *.egg-info
