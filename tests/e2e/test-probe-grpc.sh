#!/usr/bin/env bash
# tests/e2e/test-probe-grpc.sh: grpc probes end to end. berth kube play
# runs hostNetwork pods whose readiness and liveness probes call
# grpc.health.v1.Health/Check on a real gRPC server (tests/lib/grpc-health.py,
# python3-grpcio) running on the host: the monitor's own HTTP/2 client
# against grpc's. A readiness probe makes the container ready (berth inspect:
# State.Ready) while the server says SERVING, and not ready once it is gone;
# a liveness probe whose service is NOT_SERVING has the container restarted.
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
. tests/lib/registry.sh
. tests/lib/images.sh
. tests/lib/exit.sh

S=$(mktemp -d)
berth_on_exit "rm -rf '$S'"
IMG=""

suite_setup() {
	local m
	m=$(registry_missing; images_missing)
	[ "$(id -u)" = 0 ] || m="$m root (pods need namespaces and cgroups)"
	"$BERTH_PYTHON" -c 'import grpc' 2>/dev/null || m="$m python3-grpcio"
	if [ -n "${m// /}" ]; then
		SETUP_SKIP="missing: ${m//$'\n'/ }"
		return 0
	fi
	images_cache_init
	registry_start >/dev/null
	printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REGISTRY" >"$S/registries.conf"
	export CONTAINERS_REGISTRIES_CONF=$S/registries.conf
	# a tag other than latest: kube play pulls it only when it is not there
	image_busybox busybox:1.0 >/dev/null
	IMG=$REGISTRY/busybox:1.0
	"$BERTH" --root "$S/store" pull -q "$IMG" >/dev/null
	registry_stop_all
}

SETUP_SKIP=""
suite_setup

# a loop that ends on SIGTERM, as a YAML flow sequence (for command:)
LOOP='trap "exit 0" TERM; while :; do sleep 0.1; done'
SLEEPER="[sh, -c, '$LOOP']"

need() {
	[ -z "$SETUP_SKIP" ] || skip "$SETUP_SKIP"
	cp -a "$S/store" "$T/store"
	mkdir -p "$T/run"
	# berth runs in $T: what it starts has its cwd there
	cd "$T" || exit 1
	berth_on_exit cleanup
}

cleanup() {
	local f
	for f in "$T"/*.yaml; do
		[ -f "$f" ] && b kube down "$f" >/dev/null 2>&1
	done
	b rm -a -f -t 0 >/dev/null 2>&1
	true
}

b() {
	"$BERTH" --root "$T/store" --runroot "$T/run" "$@"
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

free_port() {
	"$BERTH_PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# grpc_server PORT: the health server on 127.0.0.1:PORT, until the test ends
# (its pid in $T/grpc.pid)
grpc_server() {
	"$BERTH_PYTHON" "$REPO/tests/lib/grpc-health.py" "$1" >"$T/grpc.log" 2>&1 &
	echo $! >"$T/grpc.pid"
	berth_on_exit "kill $! 2>/dev/null; wait $! 2>/dev/null"
	wait_for 20 grep -qx ready "$T/grpc.log"
}

inspect() { # NAME TEMPLATE
	b inspect -f "$2" "$1"
}

ready_is() { # NAME true|false
	[ "$(inspect "$1" '{{.State.Ready}}')" = "$2" ]
}

status_is() { # NAME STATUS
	[ "$(inspect "$1" '{{.State.Status}}')" = "$2" ]
}

restarts_at_least() { # NAME N
	[ "$(inspect "$1" '{{.RestartCount}}')" -ge "$2" ]
}

# the monitor's last probe failure of a container
probe_file() { # NAME
	cat "$T/store/containers/$(inspect "$1" '{{.Id}}')/userdata/probe" 2>/dev/null
}

probe_file_has() { # NAME TEXT
	probe_file "$1" | grep -qF -- "$2"
}

test_readiness() {
	need
	port=$(free_port)
	grpc_server "$port"
	cat >"$T/ready.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: gr
spec:
  terminationGracePeriodSeconds: 1
  hostNetwork: true
  containers:
  - name: up
    image: $IMG
    command: $SLEEPER
    readinessProbe:
      grpc:
        port: $port
      periodSeconds: 1
      failureThreshold: 1
  - name: down
    image: $IMG
    command: $SLEEPER
    readinessProbe:
      grpc:
        port: $port
        service: not-serving
      periodSeconds: 1
EOF
	run b kube play "$T/ready.yaml"
	expect_rc 0
	expect_no_grep 'not supported' "$T/err"
	wait_for 10 ready_is gr-up true
	# the other one's service is NOT_SERVING: never ready, and the monitor says why
	wait_for 10 probe_file_has gr-down 'Readiness probe failed: service unhealthy (responded with "NOT_SERVING")'
	ready_is gr-down false || fail "gr-down: State.Ready $(inspect gr-down '{{.State.Ready}}')"
	[ "$(inspect gr-down '{{.RestartCount}}')" = 0 ] || fail "a readiness probe restarted gr-down"
	# the server goes: not ready any more
	kill "$(cat "$T/grpc.pid")"
	wait_for 10 ready_is gr-up false
	probe_file_has gr-up "Readiness probe failed: timeout: failed to connect service \"127.0.0.1:$port\" within 1s" ||
		fail "probe file: $(probe_file gr-up)"
	run b kube down "$T/ready.yaml"
	expect_rc 0
}

test_liveness_restarts() {
	need
	port=$(free_port)
	grpc_server "$port"
	cat >"$T/live.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: gl
spec:
  terminationGracePeriodSeconds: 1
  hostNetwork: true
  containers:
  - name: sick
    image: $IMG
    command: $SLEEPER
    livenessProbe:
      grpc:
        port: $port
        service: not-serving
      periodSeconds: 1
      failureThreshold: 2
  - name: well
    image: $IMG
    command: $SLEEPER
    livenessProbe:
      grpc:
        port: $port
        service: serving
      periodSeconds: 1
      failureThreshold: 1
EOF
	run b kube play "$T/live.yaml"
	expect_rc 0
	# killed after two failures, restarted at once (the first back-off is none)
	wait_for 15 restarts_at_least gl-sick 1
	probe_file_has gl-sick 'Liveness probe failed: service unhealthy (responded with "NOT_SERVING")' ||
		fail "probe file: $(probe_file gl-sick)"
	wait_for 10 status_is gl-sick running
	[ "$(inspect gl-well '{{.RestartCount}}')" = 0 ] ||
		fail "gl-well restarted: $(probe_file gl-well)"
	[ "$(inspect gl-well '{{.State.Status}}')" = running ] ||
		fail "gl-well: $(inspect gl-well '{{.State.Status}}')"
	run b kube down "$T/live.yaml"
	expect_rc 0
}

run_tests
