#!/usr/bin/env bash
# make e2e: the end-to-end test on a real Flink and Kafka. Starts the local
# engine unless it already runs (then leaves it running), runs e2e/ verbosely
# so it prints what it checked, and stops the engine it started.
set -euo pipefail
cd "$(dirname "$0")/.."

started=0
if ! scripts/local-flink.sh status >/dev/null 2>&1; then
	scripts/local-flink.sh start
	started=1
fi
cleanup() {
	if [[ $started == 1 ]]; then
		scripts/local-flink.sh stop
	fi
}
trap cleanup EXIT

SHIFTLEFT_E2E=1 ${GO:-go} test -count=1 -v -timeout 20m ./e2e/
