#!/usr/bin/env bash
# tests/e2e/test-kube-validate.sh: `berth kube validate` as a user runs it
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh

pod() { # name [extra spec lines]
	cat <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $1
spec:
  containers:
  - name: app
    image: docker.io/library/busybox:1.36
$2
YAML
}

test_valid_file_exits_0_with_summary() {
	pod web >"$T/web.yaml"
	run "$BERTH" kube validate "$T/web.yaml"
	expect_rc 0
	expect_grep "^1 object in 1 file: 1 valid, 0 invalid, 0 skipped$" "$T/out"
	[ ! -s "$T/err" ] || fail "stderr not empty: $(cat "$T/err")"
}

test_error_names_file_line_col_path() {
	pod web "    ports:
    - containerPort: 70000" >"$T/web.yaml"
	run "$BERTH" kube validate "$T/web.yaml"
	expect_rc 1
	expect_grep "^$T/web.yaml:10:22: spec.containers\[0\].ports\[0\].containerPort: 70000 is out of range, expected 1-65535$" "$T/err"
	expect_grep "0 valid, 1 invalid" "$T/out"
}

test_every_error_of_a_file_is_reported() {
	cat >"$T/bad.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: Bad_Name
spec:
  restartPolicy: Sometimes
  containers:
  - name: app
    image: busybox
    ports:
    - containerPort: 0
YAML
	run "$BERTH" kube validate "$T/bad.yaml"
	expect_rc 1
	[ "$(wc -l <"$T/err")" -eq 3 ] || fail "expected 3 errors: $(cat "$T/err")"
	expect_grep "metadata.name: \"Bad_Name\" is not valid" "$T/err"
	expect_grep "spec.restartPolicy: \"Sometimes\" is not valid, expected Always, OnFailure or Never" "$T/err"
	expect_grep "containerPort: 0 is out of range" "$T/err"
}

test_directory_is_walked_sorted_and_json_skipped_names() {
	mkdir -p "$T/m/sub" "$T/m/.git"
	pod b >"$T/m/b.yaml"
	pod a >"$T/m/sub/a.yml"
	echo '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"v"}}' >"$T/m/c.json"
	echo 'not: [yaml' >"$T/m/.git/ignored.yaml"
	echo 'not: [yaml' >"$T/m/notes.txt"
	run "$BERTH" kube validate --format json "$T/m"
	expect_rc 0
	python3 - "$T/out" "$T/m" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
files = [o["file"] for o in j["objects"]]
d = sys.argv[2]
assert files == [d + "/b.yaml", d + "/c.json", d + "/sub/a.yml"], files
assert j["summary"]["files"] == 3 and j["summary"]["valid"] == 3, j["summary"]
assert j["valid"] is True
PY
}

test_stdin_is_read_with_dash() {
	pod web | "$BERTH" kube validate - >"$T/out" 2>"$T/err" || fail "exit $?"
	pod web "    ports:
    - containerPort: 70000" | { "$BERTH" kube validate - 2>"$T/err" && fail "accepted"; true; }
	expect_grep "^<stdin>:10:22: " "$T/err"
}

# a file or a stream over 64 MiB is refused by name before it is parsed
test_manifest_over_64_mib_is_refused() {
	truncate -s 65M "$T/big.yaml"
	run "$BERTH" kube validate "$T/big.yaml"
	expect_rc 1
	expect_grep "^$T/big.yaml: more than 64 MiB: too big for a manifest$" "$T/err"
	head -c 66M /dev/zero | tr '\0' '\n' | "$BERTH" kube validate - >"$T/out" 2>"$T/err" &&
		fail "a 66 MiB stream accepted"
	expect_grep "^<stdin>: more than 64 MiB: too big for a manifest$" "$T/err"
	# just under it: read, and its one object found
	{ pod web; head -c 60M /dev/zero | tr '\0' '\n'; } >"$T/near.yaml"
	run "$BERTH" kube validate "$T/near.yaml"
	expect_rc 0
	expect_grep "1 valid" "$T/out"
}

test_json_format_lists_diagnostics() {
	pod web "    ports:
    - containerPort: 70000" >"$T/web.yaml"
	run "$BERTH" kube validate --format json "$T/web.yaml"
	expect_rc 1
	python3 - "$T/out" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["valid"] is False
d = j["diagnostics"][0]
assert d["severity"] == "error" and d["line"] == 10 and d["column"] == 22, d
assert d["path"] == "spec.containers[0].ports[0].containerPort", d
assert d["message"] == "70000 is out of range, expected 1-65535", d
o = j["objects"][0]
assert (o["kind"], o["name"], o["namespace"], o["status"]) == ("Pod", "web", "default", "invalid"), o
PY
}

test_unknown_field_warns_and_strict_fails() {
	pod web "    imagePullpolicy: Always" >"$T/web.yaml"
	run "$BERTH" kube validate "$T/web.yaml"
	expect_rc 0
	expect_grep "^$T/web.yaml:9:5: warning: spec.containers\[0\].imagePullpolicy: unknown field \"imagePullpolicy\" in Container, did you mean \"imagePullPolicy\"?$" "$T/err"
	run "$BERTH" kube validate --strict "$T/web.yaml"
	expect_rc 1
	expect_grep "^$T/web.yaml:9:5: spec.containers\[0\].imagePullpolicy: unknown field" "$T/err"
}

test_ignored_field_reported_once() {
	for n in a b c; do pod "$n" "  nodeSelector:
    disk: ssd"; echo ---; done >"$T/three.yaml"
	run "$BERTH" kube validate "$T/three.yaml"
	expect_rc 0
	[ "$(grep -c 'spec.nodeSelector: ignored' "$T/err")" -eq 1 ] || fail "not once: $(cat "$T/err")"
	expect_grep "3 objects in 1 file: 3 valid" "$T/out"
}

test_unknown_kinds_are_skipped_with_a_warning() {
	cat >"$T/app.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{port: 80}]}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
YAML
	run "$BERTH" kube validate "$T/app.yaml"
	expect_rc 0
	expect_grep "kind: Service is not supported yet, skipped (Service, Job and DaemonSet are next in line)" "$T/err"
	expect_grep "kind: Widget is not supported, skipped" "$T/err"
	expect_grep "^2 objects in 1 file: 0 valid, 0 invalid, 2 skipped$" "$T/out"
}

test_same_object_twice_across_files_is_an_error() {
	pod web >"$T/a.yaml"
	pod web >"$T/b.yaml"
	run "$BERTH" kube validate "$T/a.yaml" "$T/b.yaml"
	expect_rc 1
	expect_grep "^$T/b.yaml:1:1: metadata.name: Pod default/web is already defined at $T/a.yaml:1:1, expected each object once$" "$T/err"
}

test_missing_file_exits_1() {
	run "$BERTH" kube validate "$T/nope.yaml"
	expect_rc 1
	expect_grep "^$T/nope.yaml: No such file or directory$" "$T/err"
}

test_syntax_error_names_position_and_keeps_earlier_documents() {
	printf '%s\n---\nkind: Pod\n  bad: indent\n' "$(pod web)" >"$T/x.yaml"
	run "$BERTH" kube validate "$T/x.yaml"
	expect_rc 1
	expect_grep "^$T/x.yaml:10:7: invalid multiline plain key$" "$T/err"
	expect_grep "1 object in 1 file: 1 valid" "$T/out"
}

test_usage_errors_exit_2() {
	run "$BERTH" kube validate
	expect_rc 2
	expect_grep "expected a FILE, DIR or -" "$T/err"
	run "$BERTH" kube validate --format yaml x
	expect_rc 2
	run "$BERTH" kube validate --bogus x
	expect_rc 2
	run "$BERTH" frobnicate
	expect_rc 2
	expect_grep 'unknown command "frobnicate"' "$T/err"
	run "$BERTH" kube nope
	expect_rc 2
}

test_help_and_version() {
	run "$BERTH" --help
	expect_rc 0
	expect_grep "^  kube " "$T/out"
	run "$BERTH" kube --help
	expect_rc 0
	expect_grep "^  validate " "$T/out"
	run "$BERTH" kube validate --help
	expect_rc 0
	expect_grep "^Usage: berth kube validate" "$T/out"
	run "$BERTH" help kube
	expect_rc 0
	expect_grep "^  validate " "$T/out"
	run "$BERTH" --version
	expect_grep "^berth version [0-9]" "$T/out"
	run "$BERTH" version --format json
	expect_rc 0
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["Version"] and j["OsArch"].startswith("linux/")' "$T/out"
}

test_quiet_prints_errors_only() {
	pod web "  nodeSelector: {a: b}" >"$T/w.yaml"
	run "$BERTH" kube validate --quiet "$T/w.yaml"
	expect_rc 0
	[ ! -s "$T/out" ] && [ ! -s "$T/err" ] || fail "not quiet: $(cat "$T/out" "$T/err")"
}

test_yaml_11_boolean_in_string_field_explains() {
	cat >"$T/cm.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: flags}
data:
  enabled: yes
YAML
	run "$BERTH" kube validate "$T/cm.yaml"
	expect_rc 1
	expect_grep "^$T/cm.yaml:5:12: data\[enabled\]: found boolean true, expected a string (unquoted yes, no, on, off, true and false are booleans in YAML: quote the value)$" "$T/err"
}

test_duplicate_key_is_an_error() {
	printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\nspec:\n  containers: [{name: c, image: busybox}]\n' >"$T/d.yaml"
	run "$BERTH" kube validate "$T/d.yaml"
	expect_rc 1
	expect_grep "^$T/d.yaml:5:3: metadata.name: duplicate key \"name\", first defined at line 4$" "$T/err"
}

test_empty_directory_is_an_error() {
	mkdir -p "$T/empty"
	run "$BERTH" kube validate "$T/empty"
	expect_rc 1
	expect_grep "^$T/empty: no \*.yaml, \*.yml or \*.json files in this directory$" "$T/err"
}

test_help_for_a_nested_command() {
	run "$BERTH" help kube validate
	expect_rc 0
	expect_grep "^Usage: berth kube validate" "$T/out"
}

run_tests
