#!/usr/bin/env bash
# tests/e2e/test-kube-corpus.sh: every manifest under tests/data/kube through
# `berth kube validate`, as a user runs it.
#   valid/*    exit 0, no error (warnings are allowed)
#   invalid/*  exit 1, stderr exactly as NAME.err beside it
#   strict/*   exit 0 plain, and with --strict exit 1, stderr exactly as NAME.err
set -u
cd "$(dirname "$0")/../.."
BERTH=${BERTH:-$PWD/berth}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

result() { # name ok why
	if [ "$2" = ok ]; then echo "PASS kube-corpus/$1"; else echo "FAIL kube-corpus/$1: $3"; fi
}

for f in tests/data/kube/valid/*.yaml tests/data/kube/valid/*.json examples/*.yaml; do
	[ -f "$f" ] || continue
	"$BERTH" kube validate "$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 0 ] && ! grep -qv ': warning: ' "$tmp/err"; then
		result "$f" ok
	else
		result "$f" no "exit $rc: $(head -5 "$tmp/err")"
	fi
done

for f in tests/data/kube/invalid/*.yaml tests/data/kube/invalid/*.json; do
	[ -f "$f" ] || continue
	want=${f%.*}.err
	"$BERTH" kube validate --quiet "$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ ! -f "$want" ]; then
		result "$f" no "no $want beside it"
	elif [ $rc -ne 1 ]; then
		result "$f" no "exit $rc, expected 1"
	elif ! diff -u "$want" "$tmp/err" >"$tmp/diff"; then
		result "$f" no "stderr differs: $(cat "$tmp/diff")"
	else
		result "$f" ok
	fi
done

for f in tests/data/kube/strict/*.yaml; do
	[ -f "$f" ] || continue
	want=${f%.*}.err
	"$BERTH" kube validate --quiet "$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 0 ]; then
		result "$f" no "exit $rc without --strict, expected 0"
		continue
	fi
	"$BERTH" kube validate --quiet --strict "$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ ! -f "$want" ]; then
		result "$f" no "no $want beside it"
	elif [ $rc -ne 1 ]; then
		result "$f" no "exit $rc with --strict, expected 1"
	elif ! diff -u "$want" "$tmp/err" >"$tmp/diff"; then
		result "$f" no "stderr differs: $(cat "$tmp/diff")"
	else
		result "$f" ok
	fi
done
