#!/usr/bin/env bash
# tests/e2e/test-run.sh: containers, end to end: berth run, create, start,
# ps, logs, exec, stop, kill, rm, inspect, wait, on the built-in executor
# and on runc, with real namespaces, cgroups, seccomp and overlay mounts.
# The image is built from busybox-static and pulled from a real local
# registry once; each test copies that store.
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
	# whatever a test leaves running goes when it ends
	berth_on_exit "'$BERTH' --root '$T/store' --runroot '$T/run' rm -a -f -t 0 >/dev/null 2>&1"
}

# RUNTIME=runc runs the same suite on runc (tests/e2e/test-run-runc.sh)
b() {
	if [ -n "${RUNTIME:-}" ] && { [ "$1" = run ] || [ "$1" = create ]; }; then
		local verb=$1
		shift
		set -- "$verb" --runtime "$RUNTIME" "$@"
	fi
	"$BERTH" --root "$T/store" --runroot "$T/run" "$@"
}

# nothing of the store's containers left: no cgroup, no process, no mount
# (a start that was under way when its container was removed undoes itself: give it 5 s)
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
		[ -n "$left" ] || return 0
		sleep 0.1
	done
	fail "left behind:$left $(grep "$T" /proc/self/mountinfo)"
}

# what a container sees of itself: identity, capabilities, security state
WHOAMI='id; hostname; grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status'

test_run_foreground_output_and_exit_status() {
	need
	run b run --rm "$IMG" sh -c 'echo out; echo err >&2; exit 3'
	expect_rc 3
	expect_grep '^out$' "$T/out"
	expect_grep '^err$' "$T/err"
	run b ps -a -q
	[ ! -s "$T/out" ] || fail "--rm left a container: $(cat "$T/out")"
}

test_run_default_security() {
	need
	run b run --rm "$IMG" sh -c "$WHOAMI"
	expect_rc 0
	expect_grep 'uid=0(root) gid=0(root)' "$T/out"
	# podman's default capabilities, no_new_privs, a seccomp filter
	expect_grep '^CapEff:	00000000800405fb$' "$T/out"
	expect_grep '^CapBnd:	00000000800405fb$' "$T/out"
	expect_grep '^NoNewPrivs:	1$' "$T/out"
	expect_grep '^Seccomp:	2$' "$T/out"
	# masked and read-only paths
	run b run --rm "$IMG" sh -c 'wc -c </proc/timer_list; echo 1 >/proc/sys/kernel/domainname || echo ro'
	expect_rc 0
	expect_grep '^0$' "$T/out"
	expect_grep '^ro$' "$T/out"
	# the default seccomp profile refuses what it should
	run b run --rm "$IMG" sh -c 'swapoff -a 2>&1; echo rc=$?'
	expect_grep 'rc=1' "$T/out"
}

test_run_security_options() {
	need
	run b run --rm --cap-drop ALL "$IMG" sh -c "$WHOAMI"
	expect_rc 0
	expect_grep '^CapEff:	0000000000000000$' "$T/out"
	run b run --rm --cap-add NET_ADMIN "$IMG" sh -c "$WHOAMI"
	expect_grep '^CapEff:	00000000800415fb$' "$T/out"
	run b run --rm --user 1000:1000 "$IMG" sh -c "$WHOAMI"
	expect_grep '^uid=1000(user) gid=1000(user)' "$T/out"
	expect_grep '^CapEff:	0000000000000000$' "$T/out"
	run b run --rm --privileged "$IMG" sh -c "$WHOAMI"
	expect_grep '^Seccomp:	0$' "$T/out"
	expect_no_grep '^CapEff:	00000000800405fb$' "$T/out"
	run b run --rm --security-opt seccomp=unconfined "$IMG" sh -c "$WHOAMI"
	expect_grep '^Seccomp:	0$' "$T/out"
	expect_grep '^CapEff:	00000000800405fb$' "$T/out"
	run b run --rm --read-only "$IMG" sh -c 'touch /x 2>&1; echo rc=$?; touch /tmp/y && echo tmp-ok'
	expect_grep 'rc=1' "$T/out"
	expect_grep 'tmp-ok' "$T/out"
}

test_run_env_workdir_hostname_volume() {
	need
	mkdir "$T/data"
	echo from-host >"$T/data/in"
	run b run --rm -e A=b -w /tmp -h box -v "$T/data:/data" "$IMG" \
		sh -c 'echo A=$A; pwd; hostname; cat /data/in; echo from-ctr >/data/out'
	expect_rc 0
	expect_grep '^A=b$' "$T/out"
	expect_grep '^/tmp$' "$T/out"
	expect_grep '^box$' "$T/out"
	expect_grep '^from-host$' "$T/out"
	grep -q from-ctr "$T/data/out" || fail "the container's write did not reach the host"
	# a uid without a passwd entry still has a HOME, as runc gives it
	run b run --rm -u 4242 "$IMG" sh -c 'echo home=$HOME'
	expect_grep '^home=/$' "$T/out"
	run b run --rm -v "$T/data:/data:ro" "$IMG" sh -c 'echo x >/data/y 2>&1; echo rc=$?'
	expect_grep 'rc=1' "$T/out"
	[ ! -e "$T/data/y" ] || fail "a read-only volume was written"
	grep -q '127.0.1.1	box' <(b run --rm -h box "$IMG" cat /etc/hosts) ||
		fail "/etc/hosts lacks the host name"
}

test_detached_ps_logs_exec_stop_rm() {
	need
	run b run -d --name web --stop-timeout 1 "$IMG" \
		sh -c 'i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.2; done'
	expect_rc 0
	id=$(cat "$T/out")
	[ ${#id} -eq 64 ] || fail "run -d printed \"$id\", expected a 64-digit ID"
	sleep 1
	run b ps
	expect_grep "^${id:0:12} .*Up .* web$" "$T/out"
	run b ps --format json
	grep -q '"State": "running"' "$T/out" || fail "ps --format json: $(cat "$T/out")"
	# podman's template fields; "table" adds the header line, the columns lined up
	run b ps --format '{{.Names}} {{.State}} {{.ID}}'
	expect_rc 0
	[ "$(cat "$T/out")" = "web running ${id:0:12}" ] || fail "ps --format: $(cat "$T/out")"
	run b ps --no-trunc --format 'table {{.ID}}\t{{.Names}}\t{{.Status}}'
	expect_grep '^CONTAINER ID  *NAMES  *STATUS$' "$T/out"
	expect_grep "^$id  web  *Up " "$T/out"
	run b ps --format '{{.Names'
	expect_rc 2
	expect_grep 'expected table, json or a Go template' "$T/err"
	run b logs web
	expect_grep '^tick 0$' "$T/out"
	run b logs --tail 1 web
	[ "$(wc -l <"$T/out")" -eq 1 ] || fail "--tail 1 printed $(wc -l <"$T/out") lines"
	run b exec web sh -c 'echo in-exec; cat /proc/1/cmdline | tr "\0" " "; exit 5'
	expect_rc 5
	expect_grep '^in-exec$' "$T/out"
	expect_grep 'while' "$T/out"
	run b exec -u 1000 web id -u
	expect_grep '^1000$' "$T/out"
	run b exec web no-such-program
	expect_rc 127
	run b inspect -f '{{.State.Status}} {{.Name}} {{.State.Running}}' web
	expect_grep '^running web true$' "$T/out"
	pid=$(b inspect -f '{{.State.Pid}}' web)
	[ -d "/proc/$pid" ] || fail "inspect's Pid $pid is not a process"
	run b rm web
	expect_rc 1
	expect_grep 'running' "$T/err"
	run b stop web
	expect_rc 0
	run b ps -a
	expect_grep 'Exited (137)' "$T/out"
	[ ! -d "/proc/$pid" ] || fail "the container's process $pid outlived stop"
	run b wait web
	expect_grep '^137$' "$T/out"
	run b rm web
	expect_rc 0
	[ ! -d "$T/store/containers/$id" ] || fail "rm left $T/store/containers/$id"
	[ ! -d "$T/run/containers/$id" ] || fail "rm left $T/run/containers/$id"
}

test_create_start_and_names() {
	need
	run b create --name c1 "$IMG" sh -c 'echo started'
	expect_rc 0
	run b ps -a
	expect_grep 'Created .* c1$' "$T/out"
	run b create --name c1 "$IMG" true
	expect_rc 125
	expect_grep 'already in use' "$T/err"
	run b start c1
	expect_rc 0
	run b wait c1
	expect_grep '^0$' "$T/out"
	run b logs c1
	expect_grep '^started$' "$T/out"
	# started again: same container, a second run
	run b start c1
	expect_rc 0
	b wait c1 >/dev/null
	[ "$(b logs c1 | grep -c started)" -eq 2 ] || fail "a second start did not run again"
	run b create --name 'bad name' "$IMG" true
	expect_rc 125
	run b create "$IMG"-missing true
	expect_rc 125
	run b create -v relative:/x "$IMG" true
	expect_rc 125
	expect_grep 'absolute' "$T/err"
	[ "$(b ps -a -q | wc -l)" -eq 1 ] || fail "failed creates left containers: $(b ps -a)"
}

test_kill_signal() {
	need
	b run -d --name k "$IMG" sh -c 'trap "echo got-usr1; exit 9" USR1; while :; do sleep 0.1; done' >/dev/null
	sleep 0.5
	run b kill -s USR1 k
	expect_rc 0
	run b wait k
	expect_grep '^9$' "$T/out"
	b logs k | grep -q got-usr1 || fail "the signal did not reach the container"
}

test_cgroup_limits_and_oom() {
	need
	run b run --rm -m 64m --pids-limit 20 --cpus 0.5 "$IMG" sh -c '
		cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max 2>/dev/null
		cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null
		cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu.max 2>/dev/null; true'
	expect_rc 0
	expect_grep '^67108864$' "$T/out"
	expect_grep '^20$' "$T/out"
	expect_grep '50000' "$T/out"
	# the OOM killer, reported as podman does
	run b run --name oom -m 16m "$IMG" sh -c 'exec dd if=/dev/zero of=/dev/null bs=64M count=1'
	expect_rc 137
	run b inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' oom
	expect_grep '^true 137$' "$T/out"
	id=$(b inspect -f '{{.Id}}' oom)
	[ ! -d "/sys/fs/cgroup/memory/berth/$id" ] && [ ! -d "/sys/fs/cgroup/berth/$id" ] ||
		fail "the cgroup of $id outlived its container"
}

test_runc_sees_the_same() {
	need
	command -v runc >/dev/null || skip "runc is not installed"
	local opts
	for opts in "" "--cap-drop ALL" "--user 1000:1000" "--read-only"; do
		# shellcheck disable=SC2086 # options are words
		b run --rm $opts "$IMG" sh -c "$WHOAMI; grep -c . /proc/mounts >/dev/null; ls /dev" >"$T/builtin" ||
			fail "built-in executor failed with \"$opts\""
		# shellcheck disable=SC2086
		b run --rm --runtime runc $opts "$IMG" sh -c "$WHOAMI; grep -c . /proc/mounts >/dev/null; ls /dev" >"$T/runc" ||
			fail "runc failed with \"$opts\": $(cat "$T/runc")"
		# the host names differ (each container its own); the rest must not
		sed -i 2d "$T/builtin" "$T/runc"
		expect_same "$T/runc" "$T/builtin"
	done
}

# crun 1.8 refuses a v1/v2 hybrid: it runs where the v2 tree is out of sight
test_crun_sees_the_same() {
	need
	[ -z "${RUNTIME:-}" ] || skip "compares the built-in executor with crun"
	command -v crun >/dev/null || skip "crun is not installed"
	local opts
	for opts in "" "--cap-drop ALL" "--user 1000:1000"; do
		# shellcheck disable=SC2086 # options are words
		b run --rm $opts "$IMG" sh -c "$WHOAMI; ls /dev" >"$T/builtin" ||
			fail "built-in executor failed with \"$opts\""
		unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh \
			"$BERTH" --root "$T/store" --runroot "$T/run" run --rm --runtime crun $opts "$IMG" \
			sh -c "$WHOAMI; ls /dev" >"$T/crun" 2>"$T/err" ||
			fail "crun failed with \"$opts\": $(cat "$T/crun" "$T/err")"
		# crun links /dev/core to /proc/kcore even where the kernel has none (runc does not)
		sed -i -e 2d -e '/^core$/d' "$T/builtin" "$T/crun"
		expect_same "$T/crun" "$T/builtin"
	done
}

test_monitor_killed_is_cleaned_up() {
	need
	b run -d --name m "$IMG" sleep 1000 >/dev/null
	mon=$(b inspect -f '{{.State.Pid}}' m)
	id=$(b inspect -f '{{.Id}}' m)
	monitor=$(python3 -c "import json; print(json.load(open('$T/store/containers/$id/container.json'))['monitorPid'])")
	kill -9 "$monitor" "$mon"
	sleep 0.3
	run b ps -a
	expect_rc 0
	expect_grep 'Exited' "$T/out"
	[ ! -d "/sys/fs/cgroup/memory/berth/$id" ] && [ ! -d "/sys/fs/cgroup/berth/$id" ] ||
		fail "the cgroup of $id outlived its container and monitor"
	run b rm m
	expect_rc 0
	echo "$id" >"$T/ids"
	expect_nothing_left
}

# berth run -d killed -9 at points of its start: rm -a -f then removes all of
# it, the container's process too (its start may be cut short after the
# process was made and before it was recorded)
test_kill_9_of_run_detached() {
	need
	local delay pid rt=()
	[ -z "${RUNTIME:-}" ] || rt=(--runtime "$RUNTIME")
	: >"$T/ids"
	for delay in 0.005 0.01 0.015 0.02 0.03 0.05 0.08; do
		"$BERTH" --root "$T/store" --runroot "$T/run" run "${rt[@]}" -d "$IMG" sleep 31337 \
			>/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		ls "$T/store/containers" >>"$T/ids" 2>/dev/null || true
		run b rm -a -f -t 0
		expect_rc 0
		expect_nothing_left
		for i in $(seq 1 20); do
			pgrep -f 'sleep 31337' >/dev/null || break
			sleep 0.1
		done
		! pgrep -f 'sleep 31337' >/dev/null || fail "a container's process outlived rm (killed at $delay s)"
	done
}

test_capabilities_enforced() {
	need
	run b run --rm "$IMG" sh -c 'mount -t tmpfs none /tmp; echo m=$?; unshare -m true; echo u=$?'
	expect_grep '^m=[1-9]' "$T/out"
	expect_grep '^u=1$' "$T/out"
	expect_grep 'Operation not permitted' "$T/err"
	# a user gets only what is added for it
	run b run --rm --user 1000 "$IMG" sh -c 'timeout 1 nc -l -p 80; echo rc=$?'
	expect_grep '^rc=1$' "$T/out"
	run b run --rm --user 1000 --cap-add NET_BIND_SERVICE "$IMG" sh -c 'timeout 1 nc -l -p 80; echo rc=$?'
	expect_grep '^rc=143$' "$T/out"
}

test_device_allow_list() {
	need
	# the container's cgroup allows the devices every container has, and no other:
	# even with CAP_MKNOD a node of the host's memory cannot be used (built in: nor
	# made; runc lets any node be made, not opened), /dev/null's twin works
	run b run --rm --cap-add MKNOD "$IMG" sh -c \
		'mknod /tmp/mem c 1 1; head -c 1 /tmp/mem >/dev/null; echo mem=$?
		 mknod /tmp/null c 1 3 && echo x >/tmp/null && echo null=ok'
	expect_rc 0
	expect_grep '^mem=1$' "$T/out"
	expect_grep '^null=ok$' "$T/out"
	expect_grep "Operation not permitted" "$T/err"
	# a privileged container is not filtered, and has the host's devices
	run b run --rm --privileged "$IMG" sh -c 'mknod /tmp/mem c 1 1 && echo mem=ok; ls /dev'
	expect_grep '^mem=ok$' "$T/out"
	local dev
	for dev in $(find /dev -maxdepth 1 -type c -printf '%f\n' | grep -vx 'console\|ptmx\|tty\|core' | head -20); do
		expect_grep "^$dev\$" "$T/out"
	done
	# --device gives a host device, with its permissions: /dev/fuse read-only, then rw
	[ -c /dev/fuse ] || return 0
	run b run --rm --device /dev/fuse:/dev/f:r "$IMG" sh -c \
		'ls -l /dev/f; head -c 1 /dev/f; echo x >/dev/f; echo w=$?'
	expect_rc 0
	expect_grep '^c.* 10, *229 .*/dev/f$' "$T/out"
	expect_grep "can't create /dev/f: Operation not permitted" "$T/err"
	expect_no_grep "head: /dev/f: Operation not permitted" "$T/err"
	run b run --rm --device /dev/fuse "$IMG" sh -c 'echo x >/dev/fuse; echo w=$?'
	expect_no_grep "can't create" "$T/err"
	run b run --rm --device /etc/passwd "$IMG" true
	expect_rc 125
	expect_grep 'device /etc/passwd: not a character or block device' "$T/err"
}

test_pids_limit_holds() {
	need
	run b run --rm --pids-limit 10 "$IMG" sh -c 'for i in $(seq 1 15); do sleep 2 & done; echo done'
	expect_grep "can't fork" "$T/err"
	run b run --rm --pids-limit 50 "$IMG" sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 0.1 & done; wait; echo done'
	expect_no_grep "can't fork" "$T/err"
	# podman's default limit, and -1 for none
	run b run --rm "$IMG" sh -c 'cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null'
	expect_grep '^2048$' "$T/out"
	run b run --rm --pids-limit -1 "$IMG" sh -c 'cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null'
	expect_grep '^max$' "$T/out"
}

test_logs_exact_and_rotated() {
	need
	b run --name l --log-opt max-size=2k "$IMG" sh -c \
		'i=0; while [ $i -lt 200 ]; do echo "line $i with some padding to make it longer"; i=$((i+1)); done; printf "no newline"' >/dev/null
	id=$(b inspect -f '{{.Id}}' l)
	[ -f "$T/store/containers/$id/userdata/ctr.log.1" ] || fail "the log did not rotate"
	run b logs l
	# a whole suffix of what was written, in order, and the unfinished last line as it is
	last=$(grep -c '^line' "$T/out")
	[ "$last" -gt 10 ] || fail "only $last lines kept"
	first=$(head -1 "$T/out" | awk '{print $2}')
	seq "$first" 199 | sed 's/.*/line & with some padding to make it longer/' >"$T/want"
	printf 'no newline' >>"$T/want"
	expect_same "$T/out" "$T/want"
	run b logs --tail 2 l
	printf 'line 199 with some padding to make it longer\nno newline' >"$T/want"
	expect_same "$T/out" "$T/want"
	# CRI format on disk
	grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{18}Z stdout F line 199 ' \
		"$T/store/containers/$id/userdata/ctr.log" || fail "not the CRI log format"
	grep -qE 'stdout P no newline$' "$T/store/containers/$id/userdata/ctr.log" ||
		fail "the partial line is not a P record"
}

test_kill_9_of_berth_at_any_point() {
	need
	local i delay pid
	for i in $(seq 1 12); do
		delay=$(awk -v i="$i" 'BEGIN { printf "%.3f", (i - 1) * 0.02 }')
		b run -d --name "k$i" "$IMG" sleep 1000 >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	ls "$T/store/containers" >"$T/ids" 2>/dev/null || true
	# any berth command puts things right; then everything can go
	run b ps -a
	expect_rc 0
	run b rm -a -f -t 0
	expect_rc 0
	sleep 0.3
	[ -z "$(b ps -a -q)" ] || fail "containers left: $(b ps -a)"
	expect_nothing_left
}

test_tty_and_literal_args() {
	need
	# the terminal is the container's own (its devpts), owned by the monitor, and logged
	run b run --name tty1 -t "$IMG" sh -c 'tty; test -t 1 && echo is-a-tty; ls -l /dev/console; exit 5'
	expect_rc 5
	expect_grep '^/dev/pts/0' "$T/out"
	expect_grep 'is-a-tty' "$T/out"
	expect_grep '136, *0 .*/dev/console' "$T/out"
	run b logs tty1
	expect_grep '^/dev/pts/0' "$T/out"
	expect_grep 'is-a-tty' "$T/out"
	run b rm tty1
	# as podman: arguments are the container's, no $(VAR) expansion
	run b run --rm -e A=x "$IMG" echo '$(A)' '$$'
	expect_grep '^\$(A) \$\$$' "$T/out"
	run b run --rm "$IMG" sh -c 'ip link show lo | grep -c UP'
	expect_grep '^1$' "$T/out"
}

test_interactive_stdin_and_terminal() {
	need
	run b run --rm -i "$IMG" sh -c 'read line; echo "got: $line"' <<<"hello"
	expect_rc 0
	expect_grep '^got: hello$' "$T/out"
	command -v script >/dev/null || skip "script(1) is not installed"
	local rc=0
	# typed input reaches the container's terminal; its exit status comes back
	(sleep 1; echo "typed") | script -qec "$BERTH --root $T/store --runroot $T/run run --rm -it $IMG sh -c 'test -t 0 && test -t 1 && echo both-tty; read x; echo \"got: \$x\"; exit 4'" /dev/null >"$T/out" 2>&1 || rc=$?
	expect_grep 'both-tty' "$T/out"
	expect_grep 'got: typed' "$T/out"
	[ "$rc" = 4 ] || fail "exit status $rc, expected 4"
}

test_attach_and_detach() {
	need
	command -v script >/dev/null || skip "script(1) is not installed"
	run b run -dt --name att "$IMG" sh -c 'i=0; while :; do echo "tick $i"; i=$((i+1)); sleep 0.2; done'
	expect_rc 0
	# output only, until its reader goes: the container runs on
	timeout -s KILL 20 "$BERTH" --root "$T/store" --runroot "$T/run" attach --no-stdin att | head -2 >"$T/out"
	expect_grep '^tick [0-9]*' "$T/out"
	# the detach keys (podman's ctrl-p ctrl-q) leave it running
	(sleep 1; printf '\020\021'; sleep 1) | timeout -s KILL 20 script -qec "$BERTH --root $T/store --runroot $T/run attach att" /dev/null >"$T/out" 2>&1
	expect_grep 'tick' "$T/out"
	run b inspect --format '{{.State.Status}}' att
	expect_grep '^running$' "$T/out"
	# a container without a terminal has nothing to attach to
	run b run -d --name noterm "$IMG" sleep 60
	run b attach noterm
	expect_rc 125
	expect_grep 'has no terminal' "$T/err"
	run b rm -f -t 0 att noterm
	expect_rc 0
}

test_help() {
	local c
	for c in run create start stop kill rm ps logs exec inspect wait attach; do
		run "$BERTH" "$c" --help
		expect_rc 0
		expect_grep "Usage: berth $c" "$T/out"
	done
}

run_tests
