#!/usr/bin/env bash
# tests/e2e/test-restart.sh: restart policies, back-off, probes and
# lifecycle hooks, end to end: berth run --restart, the monitor restarting
# a container after Kubernetes' back-off, stop and kill -9 during it, and
# exec, httpGet and tcpSocket probes and postStart/preStop hooks against
# real containers (written into the container's record, as kube play
# writes them). Short periods keep it quick; tests run in parallel pairs
# where they only wait.
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
. tests/lib/registry.sh
. tests/lib/images.sh
. tests/lib/exit.sh

S=$(mktemp -d)
berth_on_exit "rm -rf '$S'"
IMG=""
PY=${BERTH_PYTHON:-python3}

suite_setup() {
	local m
	m=$(registry_missing; images_missing)
	if [ -n "$m" ]; then
		SETUP_SKIP="missing: ${m//$'\n'/ }"
		return 0
	fi
	images_cache_init
	: >"$S/registries.conf"
	registry_start >/dev/null
	image_busybox busybox:latest >/dev/null
	IMG=$REGISTRY/busybox:latest
	CONTAINERS_REGISTRIES_CONF=$S/registries.conf "$BERTH" --root "$S/store" \
		pull -q --tls-verify=false "$IMG" >/dev/null
	registry_stop_all
}

SETUP_SKIP=""
suite_setup

need() {
	[ -z "$SETUP_SKIP" ] || skip "$SETUP_SKIP"
	cp -a "$S/store" "$T/store"
	mkdir -p "$T/run"
	berth_on_exit "'$BERTH' --root '$T/store' --runroot '$T/run' rm -a -f -t 0 >/dev/null 2>&1"
}

# RUNTIME=runc runs the same on runc (as tests/e2e/test-run-runc.sh does for test-run.sh)
b() {
	if [ -n "${RUNTIME:-}" ] && { [ "$1" = run ] || [ "$1" = create ]; }; then
		local verb=$1
		shift
		set -- "$verb" --runtime "$RUNTIME" "$@"
	fi
	"$BERTH" --root "$T/store" --runroot "$T/run" "$@"
}

id_of() {
	b inspect -f '{{.Id}}' "$1"
}

# field NAME KEY: a field of the container's record ("" when it has none)
field() {
	"$PY" - "$T/store/containers/$(id_of "$1")/container.json" "$2" <<-'EOF'
		import json, sys
		v = json.load(open(sys.argv[1]))
		for k in sys.argv[2].split("."):
		    v = v.get(k, "") if isinstance(v, dict) else ""
		print(str(v).lower() if isinstance(v, bool) else v)
	EOF
}

# set_record NAME KEY JSON: what kube play writes (probes, lifecycle) put in the record
set_record() {
	"$PY" - "$T/store/containers/$(id_of "$1")/container.json" "$2" "$3" <<-'EOF'
		import json, sys
		p = sys.argv[1]
		rec = json.load(open(p))
		rec[sys.argv[2]] = json.loads(sys.argv[3])
		json.dump(rec, open(p, "w"))
	EOF
}

# wait_for SECONDS CMD...: until CMD succeeds, or fail
wait_for() {
	local n=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ $n -gt 0 ] || fail "timed out waiting for: $*"
		sleep 0.1
	done
}

field_is() {
	[ "$(field "$1" "$2")" = "$3" ]
}

# restarts NAME: its restartCount (a record has none before its first restart)
restarts() {
	local n
	n=$(field "$1" restartCount)
	echo "${n:-0}"
}

restarts_are() {
	[ "$(restarts "$1")" = "$2" ]
}

ready_is() {
	[ "$(cat "$T/store/containers/$(id_of "$1")/userdata/ready" 2>/dev/null)" = "$2" ]
}

# nothing of the store's containers left: no cgroup, no process, no mount
expect_nothing_left() {
	local id i left d
	for i in $(seq 1 50); do
		left=""
		for id in $(ls "$T/store/containers" 2>/dev/null) $(cat "$T/ids" 2>/dev/null); do
			[ ${#id} -eq 64 ] || continue
			for d in /sys/fs/cgroup/*/berth/"$id" /sys/fs/cgroup/berth/"$id"; do
				[ ! -d "$d" ] || left="$left cgroup:$id"
			done
		done
		! grep -q "$T" /proc/self/mountinfo || left="$left mounts"
		! pgrep -f "berth-monitor --id.*$T" >/dev/null || left="$left monitors"
		! pgrep -f "$T/run internal" >/dev/null || left="$left internal"
		[ -n "$left" ] || return 0
		sleep 0.1
	done
	fail "left behind:$left $(grep "$T" /proc/self/mountinfo)"
}

test_restart_option_errors() {
	need
	run b run --restart=sometimes "$IMG" true
	expect_rc 2
	expect_grep 'expected no, always, unless-stopped or on-failure' "$T/err"
	run b run --restart=always:3 "$IMG" true
	expect_rc 2
	expect_grep 'on-failure only' "$T/err"
	run b run --rm --restart=always "$IMG" true
	expect_rc 2
	expect_grep 'conflicts with --restart' "$T/err"
	# no: nothing restarts, as without the option
	run b run --restart=no --name n "$IMG" sh -c 'exit 4'
	expect_rc 4
	sleep 0.5
	[ "$(field n state)" = exited ] || fail "--restart=no: $(field n state)"
}

# Kubernetes' back-off: the first restart at once, then 10 s, then 20 s;
# on-failure:2 stops after its second restart; the log and the writable
# layer are kept across restarts
test_always_backs_off_and_on_failure_stops() {
	need
	run b run -d --name al --restart=always "$IMG" sh -c 'echo x >>/count; echo run; exit 1'
	expect_rc 0
	run b run -d --name of --restart=on-failure:2 "$IMG" sh -c 'exit 3'
	expect_rc 0
	sleep 5
	[ "$(restarts al)" = 1 ] || fail "after 5 s: restartCount $(restarts al), expected 1"
	[ "$(field al state)" = restarting ] || fail "after 5 s: state $(field al state)"
	run b ps -a
	expect_grep 'Restarting ([0-9]*) .* al$' "$T/out"
	[ "$(field al lastState.reason)" = Error ] || fail "lastState: $(field al lastState)"
	[ "$(field al lastState.exitCode)" = 1 ] || fail "lastState: $(field al lastState)"
	sleep 7
	[ "$(restarts al)" = 2 ] || fail "after 12 s: restartCount $(restarts al), expected 2"
	[ "$(restarts of)" = 2 ] || fail "on-failure:2: restartCount $(restarts of)"
	[ "$(field of state)" = exited ] || fail "on-failure:2: state $(field of state) after 2 restarts"
	[ "$(field of exitCode)" = 3 ] || fail "on-failure:2: exitCode $(field of exitCode)"
	run b logs al
	[ "$(grep -c '^run$' "$T/out")" -eq 3 ] || fail "the log holds $(grep -c '^run$' "$T/out") runs, expected 3"
	id=$(id_of al)
	[ "$(wc -l <"$T/store/containers/$id/upper/count")" -eq 3 ] ||
		fail "the writable layer was not kept: $(cat "$T/store/containers/$id/upper/count")"
	run b rm -f al
	expect_rc 0
	expect_nothing_left
}

# stop by the user is not undone: while it runs, and during the back-off
# (which it ends at once); kill -9 of `berth internal restart` during the
# back-off leaves nothing behind
test_stop_is_not_undone() {
	need
	run b run -d --name st --restart=always --stop-timeout 1 "$IMG" sleep 1000
	run b stop st
	expect_rc 0
	sleep 1.5
	[ "$(field st state)" = exited ] || fail "restarted after stop: $(field st state)"
	[ "$(restarts st)" = 0 ] || fail "restartCount $(restarts st) after stop"
	# kill by the user too (podman's rule)
	run b start st
	expect_rc 0
	run b kill st
	expect_rc 0
	sleep 1.5
	[ "$(field st state)" = exited ] || fail "restarted after kill: $(field st state)"

	run b run -d --name bo --restart=always "$IMG" sh -c 'exit 1'
	wait_for 5 restarts_are bo 1
	wait_for 5 field_is bo state restarting
	start=$(date +%s%N)
	run b stop bo
	expect_rc 0
	took=$((($(date +%s%N) - start) / 1000000))
	[ $took -lt 2000 ] || fail "stop during the back-off took $took ms"
	[ "$(field bo state)" = exited ] || fail "state $(field bo state) after stop during the back-off"
	sleep 1
	[ "$(restarts bo)" = 1 ] || fail "restarted after stop: $(restarts bo)"

	run b run -d --name k9 --restart=always "$IMG" sh -c 'exit 1'
	wait_for 5 restarts_are k9 1
	wait_for 5 field_is k9 state restarting
	id=$(id_of k9)
	mon=$(field k9 monitorPid)
	grep -q 'internal' "/proc/$mon/cmdline" || fail "the back-off is not berth internal restart"
	kill -9 "$mon"
	sleep 0.2
	run b ps -a
	expect_rc 0
	expect_grep 'Exited (1)' "$T/out"
	[ "$(field k9 state)" = exited ] || fail "state $(field k9 state) after kill -9 of the back-off"
	echo "$id" >"$T/ids"
	run b rm -a -f
	expect_nothing_left
}

# an exec liveness probe that fails kills the container, which restarts;
# readiness follows its probe both ways
test_exec_liveness_and_readiness() {
	need
	mkdir -p "$T/out.d"
	run b create --name lv --restart=always --stop-timeout 1 -v "$T/out.d:/out" "$IMG" \
		sh -c 'touch /tmp/alive; exec sleep 1000'
	set_record lv lifecycle '{"preStop": {"exec": {"command": ["sh", "-c", "echo pre >>/out/log"]}}}'
	set_record lv probes '{"liveness": {"exec": {"command": ["cat", "/tmp/alive"]},
		"periodSeconds": 1, "failureThreshold": 2},
		"readiness": {"exec": {"command": ["test", "-e", "/tmp/ready"]},
		"periodSeconds": 1}}'
	run b start lv
	expect_rc 0
	sleep 1.5
	ready_is lv false || fail "ready without /tmp/ready"
	b exec lv touch /tmp/ready
	wait_for 4 ready_is lv true
	b exec lv rm /tmp/ready
	wait_for 4 ready_is lv false
	[ "$(restarts lv)" = 0 ] || fail "restarted while alive"
	b exec lv rm /tmp/alive
	wait_for 8 restarts_are lv 1
	wait_for 5 field_is lv state running
	field lv lastProbeFailure | grep -q 'Liveness probe failed' ||
		fail "lastProbeFailure: $(field lv lastProbeFailure)"
	[ "$(field lv lastState.exitCode)" = 137 ] || fail "lastState: $(field lv lastState)"
	# kubelet's kill: preStop first
	[ "$(cat "$T/out.d/log")" = pre ] || fail "preStop before the liveness kill: $(cat "$T/out.d/log")"
	# the new container is alive again: /tmp/alive is made afresh by its command
	sleep 2.5
	[ "$(restarts lv)" = 1 ] || fail "restarted again: $(restarts lv)"
}

# httpGet and tcpSocket probes reach servers in the container's own network
test_http_and_tcp_probes() {
	need
	mkdir -p "$T/www"
	echo ok >"$T/www/index.html"
	run b create --name web --restart=always --stop-signal KILL -v "$T/www:/www:ro" "$IMG" \
		sh -c '/bin/busybox httpd -f -p 8080 -h /www &
			/bin/busybox nc -ll -p 9000 -e true & echo $! >/tmp/nc.pid; wait'
	set_record web probes '{"readiness": {"httpGet": {"path": "/index.html", "port": 8080,
		"httpHeaders": [{"name": "X-Probe", "value": "1"}]}, "periodSeconds": 1},
		"liveness": {"tcpSocket": {"port": 9000}, "initialDelaySeconds": 1, "periodSeconds": 1,
		"failureThreshold": 1}}'
	run b start web
	expect_rc 0
	wait_for 5 ready_is web true
	rm "$T/www/index.html"
	wait_for 5 ready_is web false
	grep -q 'HTTP probe failed with statuscode: 404' "$T/store/containers/$(id_of web)/userdata/probe" ||
		fail "probe file: $(cat "$T/store/containers/$(id_of web)/userdata/probe")"
	[ "$(restarts web)" = 0 ] || fail "the tcpSocket probe failed"
	# nothing listens on 9000 any more: liveness kills it
	b exec web sh -c 'kill $(cat /tmp/nc.pid)'
	wait_for 6 restarts_are web 1
	field web lastProbeFailure | grep -q 'dial tcp 127.0.0.1:9000' ||
		fail "lastProbeFailure: $(field web lastProbeFailure)"
}

# postStart runs as the container starts, preStop before berth stop's signal;
# a failing postStart kills the container
test_lifecycle_hooks() {
	need
	mkdir -p "$T/out.d"
	run b create --name hk --stop-timeout 5 -v "$T/out.d:/out" "$IMG" \
		sh -c 'trap "echo term >>/out/log; exit 0" TERM; while :; do sleep 0.1; done'
	set_record hk lifecycle '{"postStart": {"exec": {"command": ["sh", "-c", "echo post >>/out/log"]}},
		"preStop": {"exec": {"command": ["sh", "-c", "echo pre >>/out/log"]}}}'
	run b start hk
	expect_rc 0
	wait_for 5 grep -q post "$T/out.d/log"
	run b stop hk
	expect_rc 0
	[ "$(cat "$T/out.d/log")" = "$(printf 'post\npre\nterm')" ] ||
		fail "hooks ran as: $(cat "$T/out.d/log")"

	run b create --name pf --stop-timeout 1 "$IMG" sleep 1000
	set_record pf restartPolicy '"Never"'
	set_record pf lifecycle '{"postStart": {"exec": {"command": ["false"]}}}'
	run b start pf
	expect_rc 0
	wait_for 5 field_is pf state exited
	field pf lastProbeFailure | grep -q 'PostStartHook failed' ||
		fail "lastProbeFailure: $(field pf lastProbeFailure)"
}

# the monitor stays small with probes running
test_monitor_size_with_probes() {
	need
	run b create --name sz "$IMG" sleep 1000
	set_record sz probes '{"liveness": {"exec": {"command": ["true"]}, "periodSeconds": 1},
		"readiness": {"tcpSocket": {"port": 1}, "periodSeconds": 1}}'
	run b start sz
	expect_rc 0
	sleep 2.5
	mon=$(field sz monitorPid)
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$mon/status")
	echo "berth-monitor VmRSS with probes: $rss kB"
	# a sanitizer build is neither static nor small
	grep -q libasan "/proc/$mon/maps" && skip "berth-monitor is built with a sanitizer ($rss kB)"
	[ "$rss" -lt 4096 ] || fail "the monitor's RSS is $rss kB"
}

run_tests
