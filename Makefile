# fleet-audit: the commands a newcomer needs. See README.md.
SWIFT ?= swift
LAB_OUT ?= lab-out/demo
REPORTS ?= reports

.PHONY: deps build release test demo bench lint format clean fuzz

deps:
	./scripts/install-deps.sh

build: deps
	$(SWIFT) build

# The Swift runtime and Foundation linked in (--static-swift-stdlib): the binary then needs only Debian's own
# libraries (libssh2, OpenSSL, SQLite, libstdc++) on the machine it is copied to, and starts in about a third of the
# time (no dynamic linking of a dozen Swift libraries: ~10 ms less per run here). Per product: the flag cannot link
# the test-support library, which needs XCTest.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib --product fleet-audit
	$(SWIFT) build -c release --static-swift-stdlib --product fleet-lab

# The whole test suite: unit tests on real fixtures, engine tests on a real sshd, collector tests on real
# redis-server, lab and end-to-end tests in network namespaces (needs root).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# The main job end to end: bring up the demo fleet, audit it, write reports, take the fleet down.
demo: release
	./scripts/demo.sh "$(LAB_OUT)" "$(REPORTS)"

# Speed and memory targets (see docs/benchmarks.md): every bench/*.sh at its goal's size, then one table of every
# goal (measured, target, ratio, PASS/MISS); under 15 minutes on the 2-core machine. Needs root.
bench: release
	@command -v parallel-ssh >/dev/null || apt-get install -y -qq pssh >/dev/null
	@command -v bc >/dev/null || apt-get install -y -qq bc >/dev/null
	@command -v redis-server >/dev/null || apt-get install -y -qq redis-server >/dev/null
	@bash scripts/bench.sh

# libFuzzer on every parser of remote output and input file, and on the evaluator with every renderer
# (docs/security.md): FUZZ_SECONDS per target (default 30), FUZZ_TARGETS to choose. Crashes are kept in
# Fuzz/regressions/, which `make test` replays. Slow to build (a sanitized release build): not part of `make test`.
fuzz:
	FUZZ_SECONDS=$(or $(FUZZ_SECONDS),30) ./Fuzz/run.sh

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests
	python3 scripts/check-imports.py

format:
	$(SWIFT) format --in-place --recursive Sources Tests

clean:
	rm -rf .build
