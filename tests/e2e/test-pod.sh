#!/usr/bin/env bash
# tests/e2e/test-pod.sh: pods, end to end: berth pod create, ps, inspect,
# exists, start, stop, restart, rm and logs, with real namespaces, a real
# bridge network (netavark, iptables) and published ports. What needs
# containers in a pod comes from `berth kube play`: those tests run once
# the tree has it (they skip before), on the busybox image of tests/lib
# pulled from a real local registry once; each test copies that store.
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
. tests/lib/registry.sh
. tests/lib/images.sh
. tests/lib/exit.sh

S=$(mktemp -d)
berth_on_exit "rm -rf '$S'"
IMG=""

# berth without `pod` (not yet registered) skips everything
POD_SKIP=""
"$BERTH" pod --help >/dev/null 2>&1 || POD_SKIP="berth has no pod command"
# kube play puts containers in pods
KUBE_SKIP=""
if [ -n "$POD_SKIP" ] || ! "$BERTH" kube play --help >/dev/null 2>&1; then
	KUBE_SKIP="berth has no kube play yet"
fi

suite_setup() {
	local m
	[ -z "$KUBE_SKIP" ] || return 0
	m=$(registry_missing; images_missing)
	if [ -n "$m" ]; then
		KUBE_SKIP="missing: ${m//$'\n'/ }"
		return 0
	fi
	images_cache_init
	: >"$S/registries.conf"
	# shellcheck disable=SC2119 # no registry options
	registry_start >/dev/null
	image_busybox busybox:latest >/dev/null
	IMG=$REGISTRY/busybox:latest
	CONTAINERS_REGISTRIES_CONF=$S/registries.conf "$BERTH" --root "$S/store" \
		pull -q --tls-verify=false "$IMG" >/dev/null
	registry_stop_all
}
suite_setup

b() {
	"$BERTH" --root "$T/store" --runroot "$T/run" "$@"
}

# a store of its own; whatever a test leaves goes when it ends
need() {
	[ -z "$POD_SKIP" ] || skip "$POD_SKIP"
	command -v python3 >/dev/null || skip "python3 is not installed"
	mkdir -p "$T/store" "$T/run"
	berth_on_exit "'$BERTH' --root '$T/store' --runroot '$T/run' pod rm -a -f -t 0 >/dev/null 2>&1"
}

# the same, with the busybox image in the store, for pods made by kube play
need_kube() {
	[ -z "$POD_SKIP" ] || skip "$POD_SKIP"
	[ -z "$KUBE_SKIP" ] || skip "$KUBE_SKIP"
	cp -a "$S/store" "$T/store"
	mkdir -p "$T/run"
	berth_on_exit "'$BERTH' --root '$T/store' --runroot '$T/run' pod rm -a -f -t 0 >/dev/null 2>&1"
}

# a host port nothing else of this run uses
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 30000))
		! ss -Hltn "sport = :$p" 2>/dev/null | grep -q . && { echo "$p"; return; }
	done
	echo $((20000 + RANDOM % 30000))
}

# json FILE EXPR: a Python expression on the JSON in FILE (as j), printed
json() {
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2"
}

# rec ID FIELD: a field of the pod's record
rec() {
	json "$T/store/pods/$1/pod.json" "j.get('$2')"
}

# the host side of the pod's veth: its ifindex (the peer of eth0 in the pod)
veth_of() {
	command -v nsenter >/dev/null || return 0
	nsenter --net="$T/run/pods/$1/ns/net" ip -o link show eth0 2>/dev/null |
		sed -n 's/^[0-9]*: eth0@if\([0-9]*\):.*/\1/p'
}

# whether PID is a live berth-pause (a zombie is not: where PID 1 does not reap
# orphans, a killed sandbox stays one)
pause_alive() {
	[ -n "$1" ] && grep -q berth-pause "/proc/$1/comm" 2>/dev/null &&
		! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null
}

# expect_pod_gone ID PAUSE-PID [IFINDEX] [PORT]: nothing of the pod is left:
# record, sandbox process, namespace mounts, cgroup, veth, iptables rules
expect_pod_gone() {
	local id=$1 pid=$2 ifindex=${3:-} port=${4:-} left d
	for _ in $(seq 1 50); do
		left=""
		[ ! -d "$T/store/pods/$id" ] || left="$left record"
		! pause_alive "$pid" || left="$left berth-pause($pid)"
		! grep -q "$T" /proc/self/mountinfo || left="$left mounts"
		[ ! -e "$T/run/pods/$id" ] || left="$left $T/run/pods/$id"
		for d in /sys/fs/cgroup/*/berth/pod-"$id" /sys/fs/cgroup/berth/pod-"$id"; do
			[ ! -d "$d" ] || left="$left cgroup:$d"
		done
		if [ -n "$ifindex" ] && ip -o link | grep -q "^$ifindex: "; then
			left="$left veth:$ifindex"
		fi
		if [ -n "$port" ] && command -v iptables-save >/dev/null &&
			iptables-save 2>/dev/null | grep -qw -- "--dport $port"; then
			left="$left iptables:$port"
		fi
		[ -n "$left" ] || return 0
		sleep 0.1
	done
	fail "left behind:$left $(grep "$T" /proc/self/mountinfo)"
}

test_help() {
	[ -z "$POD_SKIP" ] || skip "$POD_SKIP"
	local c
	run "$BERTH" pod --help
	expect_rc 0
	cp "$T/out" "$T/pod-help"
	for c in create ps inspect start stop restart rm logs exists; do
		expect_grep "^  $c " "$T/pod-help"
		run "$BERTH" pod "$c" --help
		expect_rc 0
		expect_grep "^Usage: berth pod $c" "$T/out"
	done
	run "$BERTH" help pod ps
	expect_rc 0
	expect_grep "^Usage: berth pod ps" "$T/out"
	run "$BERTH" pod frobnicate
	expect_rc 2
	expect_grep 'unknown command "frobnicate"' "$T/err"
}

test_create_ps_inspect_rm() {
	need
	local port id pid ifindex
	port=$(free_port)
	run b pod create --name web -p "$port:80" -l app=web -l tier --hostname web.local -m 64m
	expect_rc 0
	id=$(cat "$T/out")
	[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "pod create printed \"$id\", expected a 64-digit ID"
	pid=$(rec "$id" infraPid)
	pause_alive "$pid" || fail "the sandbox $pid is not berth-pause"
	[ -d /sys/fs/cgroup/memory/berth/pod-"$id" ] || [ -d /sys/fs/cgroup/berth/pod-"$id" ] ||
		fail "no cgroup for the pod's --memory"
	ifindex=$(veth_of "$id")

	# podman's table: its columns; a pod just made is Created (its sandbox
	# runs, but nothing was started), as podman's with its infra container
	run b pod ps
	expect_rc 0
	expect_grep '^POD ID        NAME        STATUS      CREATED  *INFRA ID    # OF CONTAINERS$' "$T/out"
	expect_grep "^${id:0:12}  web         Created     .* ago  *0$" "$T/out"
	run b pod ps -q
	[ "$(cat "$T/out")" = "$id" ] || fail "pod ps -q: $(cat "$T/out")"
	run b pod ps --no-trunc --noheading
	expect_grep "^$id  web  " "$T/out"
	expect_no_grep 'POD ID' "$T/out"

	# podman's pod ps --format json: its keys, in its order
	b pod ps --format json >"$T/ps.json"
	[ "$(json "$T/ps.json" '",".join(j[0].keys())')" = \
		"Cgroup,Containers,Created,Id,InfraId,Name,Namespace,Networks,Status,Labels" ] ||
		fail "pod ps --format json keys: $(cat "$T/ps.json")"
	[ "$(json "$T/ps.json" 'j[0]["Id"]')" = "$id" ] || fail "Id"
	[ "$(json "$T/ps.json" 'j[0]["Status"]')" = Created ] || fail "Status"
	[ "$(json "$T/ps.json" 'j[0]["Networks"]')" = '["podman"]' ] || fail "Networks"
	[ "$(json "$T/ps.json" 'j[0]["Labels"]')" = '{"app": "web", "tier": ""}' ] || fail "Labels"
	[ "$(json "$T/ps.json" 'j[0]["Containers"]')" = '[]' ] || fail "Containers"
	json "$T/ps.json" 'j[0]["Created"]' | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$' ||
		fail "Created is not Go's RFC 3339: $(json "$T/ps.json" 'j[0]["Created"]')"

	# inspect: one pod, one object
	b pod inspect web >"$T/inspect.json"
	[ "$(json "$T/inspect.json" 'j["Id"]')" = "$id" ] || fail "inspect Id: $(cat "$T/inspect.json")"
	[ "$(json "$T/inspect.json" 'j["Name"]')" = web ] || fail "inspect Name"
	[ "$(json "$T/inspect.json" 'j["State"]')" = Created ] || fail "inspect State"
	[ "$(json "$T/inspect.json" 'j["Hostname"]')" = web.local ] || fail "inspect Hostname"
	[ "$(json "$T/inspect.json" 'j["NumContainers"]')" = 0 ] || fail "inspect NumContainers"
	[ "$(json "$T/inspect.json" 'j["Labels"]["app"]')" = web ] || fail "inspect Labels"
	[ "$(json "$T/inspect.json" 'j["InfraConfig"]["PortBindings"]')" = \
		"{\"80/tcp\": [{\"HostIp\": \"\", \"HostPort\": \"$port\"}]}" ] ||
		fail "inspect PortBindings: $(json "$T/inspect.json" 'j["InfraConfig"]')"
	[ "$(json "$T/inspect.json" 'j["SharedNamespaces"]')" = '["ipc", "net", "uts"]' ] ||
		fail "inspect SharedNamespaces"
	run b pod inspect --format '{{.Name}} {{.State}} {{.NumContainers}}' "${id:0:8}"
	expect_rc 0
	[ "$(cat "$T/out")" = "web Created 0" ] || fail "inspect --format: $(cat "$T/out")"
	# several pods: an array
	b pod create --name other --network none >/dev/null
	b pod inspect web other >"$T/two.json"
	[ "$(json "$T/two.json" '[p["Name"] for p in j]')" = '["web", "other"]' ] ||
		fail "inspect of two pods: $(head -c 300 "$T/two.json")"

	run b pod exists web
	expect_rc 0
	run b pod exists nope
	expect_rc 1

	# a name is a name once
	run b pod create --name web
	expect_rc 125
	expect_grep 'already in use' "$T/err"

	# the published port reaches the pod: a server in its network namespace
	if command -v nsenter >/dev/null && command -v curl >/dev/null; then
		(cd "$T" && exec nsenter --net="$T/run/pods/$id/ns/net" python3 -m http.server 80 >/dev/null 2>&1) &
		local srv=$! code=000 hip
		berth_on_exit "kill $srv 2>/dev/null"
		hip=$(hostname -I | awk '{print $1}')
		for _ in $(seq 1 50); do
			code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://$hip:$port/" || true)
			[ "$code" = 200 ] && break
			sleep 0.1
		done
		kill "$srv" 2>/dev/null || true
		[ "$code" = 200 ] || fail "port $port: HTTP $code, expected 200 from the pod"
	fi

	run b pod rm -f web
	expect_rc 0
	[ "$(cat "$T/out")" = "$id" ] || fail "pod rm printed \"$(cat "$T/out")\""
	# a pod whose sandbox alone runs goes without --force
	run b pod rm other
	expect_rc 0
	expect_pod_gone "$id" "$pid" "$ifindex" "$port"
	run b pod ps -q
	[ ! -s "$T/out" ] || fail "pods left: $(cat "$T/out")"
}

test_stop_start_restart() {
	need
	local port id pid pid2 ifindex
	port=$(free_port)
	id=$(b pod create --name p -p "$port:8080/udp")
	pid=$(rec "$id" infraPid)
	ifindex=$(veth_of "$id")

	run b pod stop p
	expect_rc 0
	[ "$(cat "$T/out")" = "$id" ] || fail "pod stop printed \"$(cat "$T/out")\""
	run b pod ps
	expect_grep "^${id:0:12}  p  *Exited  " "$T/out"
	[ "$(b pod inspect -f '{{.State}}' p)" = Exited ] || fail "inspect after stop"
	# the sandbox is gone, with its network; the record stays
	! pause_alive "$pid" || fail "berth-pause $pid outlived stop"
	! grep -q "$T/run/pods/$id" /proc/self/mountinfo || fail "namespace mounts outlived stop"
	if [ -n "$ifindex" ] && ip -o link | grep -q "^$ifindex: "; then
		fail "the veth outlived stop"
	fi
	! iptables-save 2>/dev/null | grep -qw -- "--dport $port" || fail "iptables rules outlived stop"
	# stopping a stopped pod is no error
	run b pod stop p
	expect_rc 0

	run b pod start p
	expect_rc 0
	[ "$(cat "$T/out")" = "$id" ] || fail "pod start printed \"$(cat "$T/out")\""
	pid2=$(rec "$id" infraPid)
	[ "$pid2" != "$pid" ] || fail "start kept the old sandbox $pid"
	pause_alive "$pid2" || fail "no sandbox after start"
	run b pod ps
	expect_grep "^${id:0:12}  p  *Running  " "$T/out"
	if command -v iptables-save >/dev/null; then
		iptables-save 2>/dev/null | grep -qw -- "--dport $port" || fail "no port rule after start"
	fi

	run b pod restart p
	expect_rc 0
	[ "$(cat "$T/out")" = "$id" ] || fail "pod restart printed \"$(cat "$T/out")\""
	pid=$(rec "$id" infraPid)
	[ "$pid" != "$pid2" ] || fail "restart kept the old sandbox"
	pause_alive "$pid" || fail "no sandbox after restart"
	[ "$(b pod inspect -f '{{.State}}' p)" = Running ] || fail "inspect after restart"

	# --all and --latest
	b pod create --name q --network none >/dev/null
	run b pod stop -a -t 0
	expect_rc 0
	[ "$(wc -l <"$T/out")" -eq 2 ] || fail "pod stop -a printed $(cat "$T/out")"
	run b pod start --latest
	expect_rc 0
	[ "$(b pod inspect -f '{{.State}}' q)" = Running ] || fail "start --latest did not start the newest pod"
	[ "$(b pod inspect -f '{{.State}}' p)" = Exited ] || fail "start --latest started another pod"
	run b pod rm -a -f
	expect_rc 0
	expect_pod_gone "$id" "$pid" "" "$port"
}

test_not_there() {
	need
	# --latest with no pod at all: podman's words, and 1 for pod rm
	run b pod rm --latest
	expect_rc 1
	[ "$(cat "$T/err")" = "Error: no such pod" ] || fail "pod rm --latest: $(cat "$T/err")"
	run b pod stop --latest
	expect_rc 125
	[ "$(cat "$T/err")" = "Error: no such pod" ] || fail "pod stop --latest: $(cat "$T/err")"
	run b pod start nope
	expect_rc 125
	[ "$(cat "$T/err")" = "Error: no pod with name or ID nope found: no such pod" ] ||
		fail "pod start: $(cat "$T/err")"
	run b pod stop nope
	expect_rc 125
	expect_grep 'no such pod' "$T/err"
	run b pod stop --ignore nope
	expect_rc 0
	run b pod restart nope
	expect_rc 125
	run b pod inspect nope
	expect_rc 125
	expect_grep '^Error: no pod with name or ID nope found: no such pod$' "$T/err"
	run b pod logs nope
	expect_rc 125
	expect_grep 'no such pod' "$T/err"
	# podman pod rm: 1 for a pod that is not there, nothing with --force
	run b pod rm nope
	expect_rc 1
	[ "$(cat "$T/err")" = "Error: no pod with name or ID nope found: no such pod" ] ||
		fail "pod rm: $(cat "$T/err")"
	run b pod exists nope
	expect_rc 1
	[ ! -s "$T/err" ] || fail "pod exists printed $(cat "$T/err")"
	run b pod rm -f nope
	expect_rc 0
	[ ! -s "$T/out" ] || fail "pod rm -f nope printed $(cat "$T/out")"
	# a pod that is there is not touched when another name is wrong
	b pod create --name real --network none >/dev/null
	run b pod stop real nope
	expect_rc 125
	[ "$(b pod inspect -f '{{.State}}' real)" = Created ] || fail "stop went on past a missing pod"
}

test_command_line_errors() {
	need
	local bad
	for bad in "-p 80" "-p 8080:80/icmp" "-p 70000:80" "-p 1.2.3:80:80" "--network slirp4netns" \
		"--share user" "--name -x" "--name a/b" "-l =x" "--add-host nocolon" "-m lots" \
		"--network host -p 8080:80" "--cpus -1" "extra"; do
		# shellcheck disable=SC2086 # options are words
		run b pod create $bad
		[ "$rc" -eq 2 ] || fail "pod create $bad: exit status $rc, expected 2"
		expect_grep '^berth: pod create: ' "$T/err"
	done
	run b pod rm -t 3 x
	expect_rc 2
	expect_grep '\-\-force option must be specified to use the --time option' "$T/err"
	run b pod ps -q --format json
	expect_rc 2
	run b pod ps --filter nope=1
	expect_rc 2
	run b pod ps --sort size
	expect_rc 2
	run b pod stop
	expect_rc 2
	run b pod logs
	expect_rc 2
	run b pod inspect
	expect_rc 2
	[ -z "$(b pod ps -q)" ] || fail "a refused create left a pod"
}

test_network_modes_and_share() {
	need
	local id
	id=$(b pod create --name none --network none)
	[ "$(b pod inspect -f '{{json .InfraConfig.Networks}}' none)" = '[]' ] || fail "none: Networks"
	command -v nsenter >/dev/null || skip "nsenter is not installed"
	[ "$(nsenter --net="$T/run/pods/$id/ns/net" ip -o link | grep -c .)" -eq 1 ] ||
		fail "--network none: more than lo: $(nsenter --net="$T/run/pods/$id/ns/net" ip -o link)"
	id=$(b pod create --name host --network host)
	[ ! -e "$T/run/pods/$id/ns/net" ] || fail "--network host: a network namespace of its own"
	[ "$(b pod inspect -f '{{.InfraConfig.HostNetwork}}' host)" = true ] || fail "host: HostNetwork"
	id=$(b pod create --name pid --share +pid --network none)
	[ -e "$T/run/pods/$id/ns/pid" ] || fail "--share +pid: no PID namespace"
	[ "$(b pod inspect -f '{{json .SharedNamespaces}}' pid)" = '["ipc","net","uts","pid"]' ] ||
		fail "SharedNamespaces: $(b pod inspect -f '{{json .SharedNamespaces}}' pid)"
	id=$(b pod create --name named --hostname box --add-host db.local:10.1.2.3 --network none)
	grep -q '^10.1.2.3	db.local$' "$T/store/pods/$id/etc/hosts" ||
		fail "--add-host: $(cat "$T/store/pods/$id/etc/hosts" 2>&1)"
	[ "$(nsenter --uts=/proc/"$(rec "$id" infraPid)"/ns/uts hostname)" = box ] || fail "--hostname"
	# a made-up name, and --pod-id-file
	run b pod create --network none --pod-id-file "$T/id"
	expect_rc 0
	[ "$(cat "$T/id")" = "$(cat "$T/out")" ] || fail "--pod-id-file holds $(cat "$T/id")"
	[[ "$(b pod inspect -f '{{.Name}}' "$(cat "$T/id")")" =~ ^[a-z]+_[a-z]+[0-9]*$ ]] ||
		fail "made-up name: $(b pod inspect -f '{{.Name}}' "$(cat "$T/id")")"
	# --replace: the old pod goes, the name stays
	local old
	old=$(b pod inspect -f '{{.Id}}' named)
	run b pod create --replace --name named --network none
	expect_rc 0
	[ "$(cat "$T/out")" != "$old" ] || fail "--replace printed the old ID"
	[ ! -d "$T/store/pods/$old" ] || fail "--replace kept $old"
}

test_ps_formats_filters_sort() {
	need
	b pod create --name alpha -l team=a --network none >/dev/null
	sleep 0.01
	b pod create --name beta -l team=b --network none >/dev/null
	b pod stop beta >/dev/null
	run b pod ps --format '{{.Name}}'
	[ "$(cat "$T/out")" = "$(printf 'beta\nalpha')" ] || fail "newest first: $(cat "$T/out")"
	run b pod ps --format '{{.Name}}' --sort name
	[ "$(cat "$T/out")" = "$(printf 'alpha\nbeta')" ] || fail "--sort name: $(cat "$T/out")"
	run b pod ps --format 'table {{.Name}}\t{{.Status}}'
	expect_rc 0
	[ "$(cat "$T/out")" = "$(printf 'NAME        STATUS\nbeta        Exited\nalpha       Created')" ] ||
		fail "table template: $(cat "$T/out")"
	run b pod ps --filter name=^al --format '{{.Name}}'
	[ "$(cat "$T/out")" = alpha ] || fail "--filter name: $(cat "$T/out")"
	run b pod ps --filter label=team=b --format '{{.Name}}'
	[ "$(cat "$T/out")" = beta ] || fail "--filter label: $(cat "$T/out")"
	run b pod ps --filter status=exited --filter status=created -q
	[ "$(wc -l <"$T/out")" -eq 2 ] || fail "--filter status alternatives: $(cat "$T/out")"
	run b pod ps --filter status=exited --filter name=alpha -q
	[ ! -s "$T/out" ] || fail "--filter keys must all match: $(cat "$T/out")"
	run b pod ps --latest --format '{{.Name}}'
	[ "$(cat "$T/out")" = beta ] || fail "--latest: $(cat "$T/out")"
	run b pod ps --ctr-names --ctr-status
	expect_grep '^POD ID  *NAME  *STATUS  *CREATED  *INFRA ID  *NAMES  *STATUS$' "$T/out"
	run b pod ps --ns --noheading --format json
	expect_rc 0
	json "$T/out" 'len(j)' | grep -qx 2 || fail "json: $(cat "$T/out")"
	run b pod ls --format '{{.Name}}' --sort name
	[ "$(head -1 "$T/out")" = alpha ] || fail "pod ls"
}

test_sandbox_killed_is_cleaned_up() {
	need
	local port id pid ifindex
	port=$(free_port)
	id=$(b pod create --name k -p "$port:80")
	pid=$(rec "$id" infraPid)
	ifindex=$(veth_of "$id")
	kill -9 "$pid"
	sleep 0.2
	# the next command finds it dead: stopped, its network undone
	run b pod ps
	expect_rc 0
	expect_grep "^${id:0:12}  k  *Exited  " "$T/out"
	! grep -q "$T/run/pods/$id" /proc/self/mountinfo || fail "namespace mounts of a dead sandbox"
	if [ -n "$ifindex" ] && ip -o link | grep -q "^$ifindex: "; then
		fail "the veth of a dead sandbox"
	fi
	! iptables-save 2>/dev/null | grep -qw -- "--dport $port" || fail "port rules of a dead sandbox"
	run b pod start k
	expect_rc 0
	pid=$(rec "$id" infraPid)
	ifindex=$(veth_of "$id")
	run b pod rm -f k
	expect_rc 0
	expect_pod_gone "$id" "$pid" "$ifindex" "$port"
}

# ---------------------------------------------------- pods with containers (kube play)

# kube_pod NAME: a Pod manifest in $T/NAME.yaml with two containers: one
# counts, one says something and sleeps; "short" makes the second exit
kube_pod() {
	local name=$1 end=${2:-sleep 1000}
	cat >"$T/$name.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $name
  labels:
    app: $name
spec:
  restartPolicy: Never
  containers:
  - name: counter
    image: $IMG
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "i=0; while [ \$i -lt 3 ]; do echo count \$i; i=\$((i+1)); done; echo oops >&2; sleep 1000"]
  - name: talker
    image: $IMG
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "echo hello from talker; $end"]
EOF
}

# play NAME: kube play the manifest; the pod's ID
play() {
	b kube play "$T/$1.yaml" >"$T/play.out" 2>"$T/play.err" ||
		fail "kube play: $(cat "$T/play.err")"
	b pod inspect -f '{{.Id}}' "$1"
}

# wait_for CMD...: until it succeeds (5 s)
wait_for() {
	for _ in $(seq 1 50); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

log_has() {
	b pod logs "$1" 2>&1 | grep -q -- "$2"
}

test_kube_pod_ps_logs() {
	need_kube
	local id c1 c2
	kube_pod web
	id=$(play web)
	wait_for log_has web 'count 2'
	wait_for log_has web 'hello from talker'
	run b pod ps
	expect_grep "^${id:0:12}  web  *Running  .*  2$" "$T/out"
	b pod ps --format json >"$T/ps.json"
	[ "$(json "$T/ps.json" '[c["Status"] for c in j[0]["Containers"]]')" = '["running", "running"]' ] ||
		fail "Containers: $(cat "$T/ps.json")"
	[ "$(json "$T/ps.json" 'sorted(c["Names"] for c in j[0]["Containers"])')" = '["web-counter", "web-talker"]' ] ||
		fail "container names: $(cat "$T/ps.json")"
	run b pod ps --ctr-names --ctr-ids --no-trunc
	expect_grep 'web-counter' "$T/out"
	c1=$(json "$T/ps.json" '[c["Id"] for c in j[0]["Containers"] if c["Names"] == "web-counter"][0]')
	c2=$(json "$T/ps.json" '[c["Id"] for c in j[0]["Containers"] if c["Names"] == "web-talker"][0]')
	expect_grep "$c1" "$T/out"
	[ "$(b pod inspect -f '{{.NumContainers}}' web)" = 2 ] || fail "inspect NumContainers"

	# every container's lines, each after its container's short ID; stderr to stderr
	run b pod logs web
	expect_rc 0
	expect_grep "^${c1:0:12} count 0$" "$T/out"
	expect_grep "^${c1:0:12} count 2$" "$T/out"
	expect_grep "^${c2:0:12} hello from talker$" "$T/out"
	expect_grep "^${c1:0:12} oops$" "$T/err"
	expect_no_grep 'oops' "$T/out"
	[ "$(grep -c . "$T/out")" -eq 4 ] || fail "pod logs printed: $(cat "$T/out")"
	run b pod logs --names web
	expect_grep '^web-counter count 1$' "$T/out"
	expect_grep '^web-talker hello from talker$' "$T/out"
	# one container: its lines alone, as berth logs prints them
	run b pod logs -c web-talker web
	expect_rc 0
	[ "$(cat "$T/out")" = "hello from talker" ] || fail "pod logs -c: $(cat "$T/out")"
	# the last lines of both streams (the counter's last is on stderr)
	run b pod logs -c "${c1:0:10}" --tail 2 web
	[ "$(cat "$T/out")" = "count 2" ] || fail "pod logs -c ID --tail 2, stdout: $(cat "$T/out")"
	[ "$(cat "$T/err")" = oops ] || fail "pod logs -c ID --tail 2, stderr: $(cat "$T/err")"
	run b pod logs --tail 1 web
	[ "$(cat "$T/out")" = "${c2:0:12} hello from talker" ] || fail "--tail 1, stdout: $(cat "$T/out")"
	[ "$(cat "$T/err")" = "${c1:0:12} oops" ] || fail "--tail 1, stderr: $(cat "$T/err")"
	run b pod logs -t web
	grep -Eq "^${c1:0:12} [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+) count 0$" "$T/out" ||
		fail "pod logs -t: $(cat "$T/out")"
	run b pod logs -c nope web
	expect_rc 125
	expect_grep 'container nope is not in pod web: no such container' "$T/err"

	# a running pod is removed only with --force
	run b pod rm web
	expect_rc 125
	expect_grep 'running' "$T/err"
	run b pod stop -t 1 web
	expect_rc 0
	run b pod ps
	expect_grep "^${id:0:12}  web  *Exited  " "$T/out"
	[ "$(b pod inspect -f '{{json .Containers}}' web | grep -o '"exited"' | wc -l)" -eq 2 ] ||
		fail "containers after pod stop: $(b pod inspect -f '{{json .Containers}}' web)"
	run b pod start web
	expect_rc 0
	wait_for sh -c "'$BERTH' --root '$T/store' --runroot '$T/run' pod ps | grep -q 'web  *Running'"
	run b pod rm -f -t 0 web
	expect_rc 0
	[ "$(cat "$T/out")" = "$id" ] || fail "pod rm -f printed $(cat "$T/out")"
	[ -z "$(b ps -a -q)" ] || fail "containers outlived their pod: $(b ps -a)"
	expect_pod_gone "$id" ""
}

test_kube_pod_degraded_and_follow() {
	need_kube
	local id
	kube_pod deg 'sleep 1'
	id=$(play deg)
	# the talker exits, the counter runs on
	wait_for sh -c "'$BERTH' --root '$T/store' --runroot '$T/run' pod ps | grep -q 'deg  *Degraded'" ||
		fail "not Degraded: $(b pod ps; b pod inspect deg)"
	# --follow goes on until the containers have all exited
	timeout 20 "$BERTH" --root "$T/store" --runroot "$T/run" pod logs -f deg >"$T/follow" 2>&1 &
	local f=$!
	sleep 1
	kill -0 "$f" 2>/dev/null || fail "pod logs -f ended while a container runs: $(cat "$T/follow")"
	b pod stop -t 0 deg >/dev/null
	wait "$f" || fail "pod logs -f: status $? after the pod stopped: $(cat "$T/follow")"
	grep -q 'count 2' "$T/follow" || fail "pod logs -f printed: $(cat "$T/follow")"
	grep -q 'hello from talker' "$T/follow" || fail "pod logs -f printed: $(cat "$T/follow")"
	# a reader that goes away does not hang it
	b pod start deg >/dev/null
	timeout 20 "$BERTH" --root "$T/store" --runroot "$T/run" pod logs -f deg | head -1 >/dev/null ||
		fail "pod logs -f | head hung"
	run b pod rm -f -t 0 deg
	expect_rc 0
	expect_pod_gone "$id" ""
}

# a pod whose containers run is removed only with --force, with podman's
# words for each container that runs; nothing of it goes without
test_kube_pod_rm_refused() {
	need_kube
	local id c1 c2 line
	kube_pod rmr
	id=$(play rmr)
	wait_for sh -c "'$BERTH' --root '$T/store' --runroot '$T/run' pod ps | grep -q 'rmr  *Running'"
	b pod inspect rmr >"$T/inspect.json"
	c1=$(json "$T/inspect.json" '[c["Id"] for c in j["Containers"] if c["Name"] == "rmr-counter"][0]')
	c2=$(json "$T/inspect.json" '[c["Id"] for c in j["Containers"] if c["Name"] == "rmr-talker"][0]')
	run b pod rm rmr
	expect_rc 125
	line="as it is running - running or paused containers cannot be removed without force: container state improper"
	printf 'Error: 2 errors occurred:\n\t* removing container %s from pod %s: cannot remove container %s %s\n\t* removing container %s from pod %s: cannot remove container %s %s\n\n\n' \
		"$c1" "$id" "$c1" "$line" "$c2" "$id" "$c2" "$line" >"$T/want"
	cmp -s "$T/err" "$T/want" || fail "pod rm: $(diff -u "$T/want" "$T/err")"
	[ ! -s "$T/out" ] || fail "pod rm printed $(cat "$T/out")"
	run b pod exists rmr
	expect_rc 0
	[ "$(b pod inspect -f '{{.State}}' rmr)" = Running ] || fail "a refused pod rm touched the pod"
	# one container stopped: only the other is named
	b stop -t 0 rmr-talker >/dev/null
	run b pod rm rmr
	expect_rc 125
	expect_grep '^Error: 1 error occurred:$' "$T/err"
	expect_grep "removing container $c1 from pod $id" "$T/err"
	expect_no_grep "$c2" "$T/err"
	run b pod rm -f -t 0 rmr
	expect_rc 0
	expect_pod_gone "$id" ""
}

# kube play --start=false: Created until started; init containers are in
# the summaries (pod ps --ctr-*, inspect's Containers) but not in the
# status: a pod whose init container has done its work is Running
test_kube_init_containers_and_created() {
	need_kube
	local id
	cat >"$T/ini.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: ini
spec:
  restartPolicy: Never
  initContainers:
  - name: prep
    image: $IMG
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'echo prepared']
  containers:
  - name: main
    image: $IMG
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 0.1; done']
EOF
	b kube play --start=false "$T/ini.yaml" >"$T/play.out" 2>"$T/play.err" ||
		fail "kube play: $(cat "$T/play.err")"
	id=$(b pod inspect -f '{{.Id}}' ini)
	[ "$(b pod inspect -f '{{.State}}' ini)" = Created ] ||
		fail "not started: $(b pod inspect -f '{{.State}}' ini)"
	run b pod ps --format '{{.Name}} {{.Status}}'
	[ "$(cat "$T/out")" = "ini Created" ] || fail "pod ps: $(cat "$T/out")"
	run b pod start ini
	expect_rc 0
	wait_for sh -c "'$BERTH' --root '$T/store' --runroot '$T/run' pod ps | grep -q 'ini  *Running'" ||
		fail "not Running: $(b pod ps)"
	run b pod ps --ctr-names --ctr-status --noheading
	expect_rc 0
	expect_grep "^${id:0:12}  ini  *Running  .*ini-prep,ini-main  *exited,running$" "$T/out"
	b pod ps --format json >"$T/ps.json"
	[ "$(json "$T/ps.json" '[(c["Names"], c["Status"]) for c in j[0]["Containers"]]')" = \
		'[["ini-prep", "exited"], ["ini-main", "running"]]' ] || fail "pod ps json: $(cat "$T/ps.json")"
	run b pod ps --filter ctr-names=ini-prep -q
	[ "$(cat "$T/out")" = "$id" ] || fail "--filter ctr-names of an init container: $(cat "$T/out")"
	b pod inspect ini >"$T/inspect.json"
	[ "$(json "$T/inspect.json" '[(c["Name"], c["State"]) for c in j["Containers"]]')" = \
		'[["ini-prep", "exited"], ["ini-main", "running"]]' ] ||
		fail "inspect Containers: $(json "$T/inspect.json" 'j["Containers"]')"
	[ "$(json "$T/inspect.json" 'j["NumContainers"]')" = 2 ] || fail "NumContainers"
	[ "$(json "$T/inspect.json" 'j["State"]')" = Running ] || fail "inspect State"
	run b pod rm -f -t 0 ini
	expect_rc 0
	expect_pod_gone "$id" ""
}

# the preStop hooks of a pod's containers run side by side, as kubelet runs
# them: two hooks of 2 s each take 2 s, not 4
test_kube_pre_stop_hooks_side_by_side() {
	need_kube
	local id start end ms c
	mkdir -p "$T/hooks"
	cat >"$T/hooks.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: hooks
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 10
  containers:
$(for c in one two; do cat <<EOC
  - name: $c
    image: $IMG
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 0.1; done']
    lifecycle:
      preStop:
        exec:
          command: [sh, -c, 'touch /hooks/$c; sleep 2']
    volumeMounts: [{name: hooks, mountPath: /hooks}]
EOC
done)
  volumes:
  - {name: hooks, hostPath: {path: $T/hooks, type: Directory}}
EOF
	id=$(play hooks)
	wait_for sh -c "'$BERTH' --root '$T/store' --runroot '$T/run' pod ps | grep -q 'hooks  *Running'" ||
		fail "not Running: $(b pod ps)"
	start=$(date +%s%N)
	run b pod stop hooks
	end=$(date +%s%N)
	expect_rc 0
	ms=$(((end - start) / 1000000))
	[ -e "$T/hooks/one" ] || fail "the preStop hook of one did not run"
	[ -e "$T/hooks/two" ] || fail "the preStop hook of two did not run"
	[ "$ms" -ge 2000 ] || fail "pod stop took $ms ms: the hooks were not waited for"
	# each hook touched its file as it began: together, not 2 s apart
	python3 -c 'import os, sys; sys.exit(abs(os.stat(sys.argv[1]).st_mtime - os.stat(sys.argv[2]).st_mtime) >= 1)' \
		"$T/hooks/one" "$T/hooks/two" ||
		fail "the hooks began apart: $(stat -c '%n %.3Y' "$T"/hooks/*)"
	# the whole stop: the hooks' 2 s and little more (a sanitizer's build is
	# too slow to say; the hooks' start times above say it there)
	if ! grep -qa __asan_init "$BERTH"; then
		[ "$ms" -lt 3500 ] || fail "pod stop took $ms ms: the hooks ran one after another"
	fi
	[ "$(b pod inspect -f '{{.State}}' hooks)" = Exited ] || fail "after stop: $(b pod inspect hooks)"
	[ -z "$(b ps -q)" ] || fail "containers run after pod stop: $(b ps)"
	run b pod rm hooks
	expect_rc 0
	expect_pod_gone "$id" ""
}

run_tests
