# The README's two commands: `make demo` (set up, then screen a clip of real faces) and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml examples/reactlens-emotions/pyproject.toml scripts/bootstrap
	@scripts/bootstrap $(VENV)
	@touch $(STAMP)

demo: setup
	$(BIN)/reactlens demo

test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadfile
	$(BIN)/python benchmarks/harness.py --quick

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .venv37 reactlens-demo build
