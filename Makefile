# shiftleft — the two set-up commands are `make demo` and `make test`.
GO       ?= go
BIN      := bin/shiftleft
SAMPLES  := flink_data_products/pipelines
DEMO_DIR := .demo
PKGS     := ./...

.PHONY: build demo test vet fmt-check bench bench-peer e2e fuzz-seeds clean

build:
	$(GO) build -buildvcs=auto -o $(BIN) .

# The main job on the embedded local target, on a scratch copy of the samples.
demo: build
	@scripts/demo.sh $(BIN) $(SAMPLES) $(DEMO_DIR)

# Every test: vet, formatting, unit and CLI tests, fuzz seed corpora. The
# real-Flink end-to-end test runs too when SHIFTLEFT_E2E=1 and an engine is
# up (.ci/run starts one); otherwise it skips and says why: its package runs
# verbosely, without the === lines and with each skip reason once, so the
# reason shows here and not only an "ok".
test: vet fmt-check
	$(GO) test -count=1 $$($(GO) list $(PKGS) | grep -v '/e2e$$')
	@out=$$($(GO) test -count=1 -v ./e2e 2>&1); rc=$$?; \
	printf '%s\n' "$$out" | grep -v '^=== ' | awk '!seen[$$0]++'; \
	exit $$rc

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

bench:
	@scripts/bench.sh

bench-peer:
	@scripts/bench-peer.sh

e2e: build
	@scripts/e2e.sh

clean:
	rm -rf bin $(DEMO_DIR)
