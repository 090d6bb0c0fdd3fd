# Switchboard: the two commands are `make dev` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-$(shell sha256sum infra/requirements.txt | cut -c1-12)

.PHONY: dev test lint bench sizes build sam-build venv clean fuzz schemathesis browser

## Install the pinned Python tools (moto server, cargo-lambda, cfn-lint) into .venv.
$(STAMP): infra/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check --quiet -r infra/requirements.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

venv: $(STAMP)

## Everything on one machine: moto, the whole system, a demo tenant. Ctrl-C stops it all.
dev: $(STAMP)
	@infra/scripts/dev.sh

## Every test (unit and integration against a private moto) and the template lint.
test: $(STAMP)
	@infra/scripts/test.sh

lint: $(STAMP)
	$(VENV)/bin/cfn-lint template.yaml

## Criterion benchmarks, the money table (per inbound message, status, send, campaign recipient, live update; against a metered moto), release binary sizes.
bench: $(STAMP)
	@infra/scripts/bench.sh

## The API against its OpenAPI document (schemathesis, all checks, fixed seed) on a private stack.
schemathesis: $(STAMP)
	@infra/scripts/schemathesis.sh

## The agents' page in headless Debian Chromium (installs chromium and the pinned npm packages).
browser: $(STAMP)
	@infra/scripts/browser-tests.sh

## cargo fuzz targets (webhook intake, notification parser, API decoding), FUZZ_SECONDS each.
fuzz:
	@infra/scripts/fuzz.sh

sizes: $(STAMP)
	@infra/scripts/binary-sizes.sh

## Lambda packages (bootstrap per function) with cargo-lambda, one function per build so each links
## only the clients it enables; ARCH=arm64 needs that target installed.
build: $(STAMP)
	for f in $(notdir $(wildcard functions/*)); do \
	  PATH="$(CURDIR)/$(VENV)/bin:$$PATH" cargo lambda build --release --$(or $(ARCH),x86-64) -p $$f || exit 1; \
	done

clean:
	rm -rf .dev target/lambda
