#!/usr/bin/env bash
# tests/e2e/test-install.sh: make install puts the binary, man pages and
# bash completion where a packager expects them, and they work from there.
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh

test_install_layout() {
	command -v scdoc >/dev/null || skip "scdoc is not installed (scripts/deps installs it)"
	make -s --no-print-directory install DESTDIR="$T/root" PREFIX=/usr >"$T/log" 2>&1 ||
		fail "make install failed: $(tail -5 "$T/log")"
	[ -x "$T/root/usr/bin/berth" ] || fail "no /usr/bin/berth"
	[ -x "$T/root/usr/libexec/berth/berth-monitor" ] || fail "no /usr/libexec/berth/berth-monitor"
	# static: it stays with every container, and must not depend on what berth loads
	! ldd "$T/root/usr/libexec/berth/berth-monitor" 2>/dev/null | grep -q '=>' ||
		fail "berth-monitor is not a static executable"
	[ -x "$T/root/usr/libexec/berth/berth-pause" ] || fail "no /usr/libexec/berth/berth-pause"
	! ldd "$T/root/usr/libexec/berth/berth-pause" 2>/dev/null | grep -q '=>' ||
		fail "berth-pause is not a static executable"
	for m in berth berth-kube berth-kube-validate berth-version berth-pull berth-images \
		berth-image berth-rmi berth-login berth-logout berth-system berth-save berth-load \
		berth-run berth-create berth-start berth-stop berth-kill berth-rm berth-ps berth-logs \
		berth-exec berth-inspect berth-wait berth-attach berth-volume berth-kube-play \
		berth-kube-down; do
		[ -s "$T/root/usr/share/man/man1/$m.1" ] || fail "no man page $m.1"
		grep -q '^\.TH' "$T/root/usr/share/man/man1/$m.1" || fail "$m.1 is not roff"
	done
	[ -f "$T/root/usr/share/bash-completion/completions/berth" ] || fail "no completion"
	"$T/root/usr/bin/berth" --version | grep -q "^berth version" || fail "installed berth does not run"
}

test_bash_completion_completes_commands_and_options() {
	# shellcheck disable=SC1091
	out=$(bash -c '
		_init_completion() { COMPREPLY=(); cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
		. completion/berth.bash
		COMP_WORDS=(berth ku); COMP_CWORD=1; _berth; echo "1:${COMPREPLY[*]}"
		COMP_WORDS=(berth kube va); COMP_CWORD=2; _berth; echo "2:${COMPREPLY[*]}"
		COMP_WORDS=(berth kube validate --st); COMP_CWORD=3; _berth; echo "3:${COMPREPLY[*]}"
		COMP_WORDS=(berth kube validate --format ""); COMP_CWORD=4; _berth; echo "4:${COMPREPLY[*]}"
	' 2>&1)
	echo "$out" | grep -q '^1:kube$' || fail "berth ku<TAB>: $out"
	echo "$out" | grep -q '^2:validate$' || fail "berth kube va<TAB>: $out"
	echo "$out" | grep -q '^3:--strict$' || fail "--st<TAB>: $out"
	echo "$out" | grep -q '^4:.*json' || fail "--format <TAB>: $out"
}

run_tests
