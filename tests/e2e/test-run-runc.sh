#!/usr/bin/env bash
# tests/e2e/test-run-runc.sh: tests/e2e/test-run.sh again, every container
# created with --runtime runc: the same behaviour on both executors.
cd "$(dirname "$0")/../.." || exit 1
command -v runc >/dev/null || {
	echo "SKIP run-runc/all: runc is not installed"
	exit 0
}
export RUNTIME=runc BERTH_SUITE=run-runc
exec bash tests/e2e/test-run.sh
