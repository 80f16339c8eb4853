# tests/lib/exit.sh: cleanup that runs when the current (sub)shell exits.
# Sourced by tests/lib/registry.sh and tests/lib/images.sh; tests may use it too.
#
#   berth_on_exit CMD...   run CMD (eval'd, one string) when this shell exits,
#                          the last registered first; each test of
#                          tests/e2e/lib.sh runs in its own subshell, so
#                          what a test registers runs when that test ends,
#                          pass or fail
#
# Use this rather than `trap ... EXIT`, which would replace the cleanup the
# libraries registered (and bash's `trap -p` in a subshell shows the parent's
# traps, so they cannot be chained by hand reliably).

if [ -z "${_BERTH_EXIT_LOADED:-}" ]; then
	_BERTH_EXIT_LOADED=1
	_BERTH_EXIT_CMDS=()
	_BERTH_EXIT_OWNER=
fi

_berth_run_exit() {
	local rc=$? i
	for ((i = ${#_BERTH_EXIT_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${_BERTH_EXIT_CMDS[i]}" || true
	done
	_BERTH_EXIT_CMDS=()
	return $rc
}

berth_on_exit() {
	if [ "$_BERTH_EXIT_OWNER" != "$BASHPID" ]; then
		# a subshell inherits the list but not the trap: start afresh
		_BERTH_EXIT_CMDS=()
		_BERTH_EXIT_OWNER=$BASHPID
		trap _berth_run_exit EXIT
	fi
	_BERTH_EXIT_CMDS+=("$*")
}

# berth_on_exit_once KEY CMD...: the same, once per shell for each KEY
berth_on_exit_once() {
	local key=$1
	shift
	if [ "$_BERTH_EXIT_OWNER" = "$BASHPID" ]; then
		case " ${_BERTH_EXIT_KEYS:-} " in *" $key "*) return 0 ;; esac
	else
		_BERTH_EXIT_KEYS=
	fi
	berth_on_exit "$@"
	_BERTH_EXIT_KEYS="${_BERTH_EXIT_KEYS:-} $key"
}
