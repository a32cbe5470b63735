# The README's two commands: `make demo` (set up, then screen a clip of real faces) and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml examples/reactlens-emotions/pyproject.toml scripts/bootstrap
	scripts/bootstrap $(VENV)
	touch $(STAMP)

demo: setup
	$(BIN)/reactlens demo

# the type checker covers the detector contract and the modules that implement it, the record schema,
# option checking, the report (its statistics and its outputs), the room's sound, the live dashboard, the batch,
# stills and S3
TYPED := reactlens/components.py reactlens/camera_rate.py reactlens/faces.py reactlens/detector_eval.py \
	plugins/reactlens_onnx/centerface.py reactlens/messages.py reactlens/option_types.py \
	reactlens/report/*.py reactlens/cli/report.py reactlens/room.py plugins/reactlens_audio/laughter.py \
	reactlens/dashboard/*.py plugins/reactlens_dashboard/sink.py reactlens/batch/*.py reactlens/s3.py \
	reactlens/stills.py plugins/reactlens_opencv/stills.py plugins/reactlens_iot/rule.py

test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy --ignore-missing-imports --follow-imports=silent $(TYPED)
	$(BIN)/pytest
	$(BIN)/python benchmarks/harness.py --quick

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .venv37 reactlens-demo build
