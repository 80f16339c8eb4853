# tests/e2e/lib.sh: what every end-to-end test script shares.
# A script defines functions named test_*; run_tests runs each in its own
# subshell with `set -e` and a fresh temporary directory ($T), and prints
# "PASS suite/name" or "FAIL suite/name: ..." with the test's output.

BERTH=${BERTH:-$PWD/berth}
SUITE=$(basename "$0" .sh)
SUITE=${BERTH_SUITE:-${SUITE#test-}}
REPO=$PWD

fail() {
	echo "$*" >&2
	return 1
}

skip() {
	echo "$*" >"$T/.skip"
	exit 0
}

# run CMD..., keeping stdout in $T/out, stderr in $T/err and the status in $rc
run() {
	set +e
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
}

expect_rc() {
	[ "$rc" -eq "$1" ] || fail "exit status $rc, expected $1; stderr: $(head -c 2000 "$T/err")"
}

# expect_file FILE EXPECTED-FILE: same contents, or a diff
expect_same() {
	diff -u "$2" "$1" >&2 || fail "$1 differs from $2"
}

expect_grep() {
	grep -q -- "$1" "$2" || fail "\"$1\" not in $2: $(head -c 2000 "$2")"
}

expect_no_grep() {
	! grep -q -- "$1" "$2" || fail "\"$1\" unexpectedly in $2: $(grep -- "$1" "$2" | head -3)"
}

run_tests() {
	local t log rc_
	# BERTH_TEST_ONLY=REGEX runs only the tests whose names match
	for t in $(declare -F | awk '{print $3}' | grep '^test_' | grep -E -- "${BERTH_TEST_ONLY:-.}"); do
		T=$(mktemp -d)
		log=$(mktemp)
		# a test stopped by set -e says which command stopped it
		(
			set -e
			trap 'rc_=$?; [ $rc_ = 0 ] || echo "stopped (exit status $rc_) after: $BASH_COMMAND" >&2' EXIT
			export T
			"$t"
		) >"$log" 2>&1
		rc_=$?
		# a suite's own cleanup after each test, passed or failed (mounts under $T)
		if declare -F after_each_test >/dev/null; then
			after_each_test >>"$log" 2>&1 || true
		fi
		if [ -f "$T/.skip" ]; then
			echo "SKIP $SUITE/${t#test_}: $(cat "$T/.skip")"
		elif [ $rc_ -eq 0 ]; then
			echo "PASS $SUITE/${t#test_}"
		else
			echo "FAIL $SUITE/${t#test_}"
			grep -v '^rm: cannot remove' "$log" | sed 's/^/    /' | tail -40
		fi
		rm -rf "$T" "$log"
	done
}
