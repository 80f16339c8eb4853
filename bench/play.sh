#!/usr/bin/env bash
# bench/play.sh: how fast berth plays and downs Kubernetes YAML, in one run
# against `podman kube play` / `podman kube down` (Debian's podman 4.3, with
# runc, as PEERS.md says), the image already in both stores:
#   one    one pod, one container
#   three  one pod, three containers
#   deploy a Deployment of 10 replicas (10 pods of one container)
# each with bridge networking (netavark) and with hostNetwork. Every
# container exits at once on SIGTERM, so what is timed is the engines' own
# work, not a grace period. Also the peak RSS of berth (and of podman) for
# a play and a down, and what stays with running pods: berth's monitors
# and berth-pause against podman's conmons and infra processes.
#
#   bench/play.sh            (RUNS=10 by default; CASES="one three deploy")
#
# Goals (issue 6): berth >= 20x faster than podman on play, >= 10x on down;
# berth's own memory per running pod (monitor + berth-pause) <= 1 MiB.
# Installs nothing: run scripts/deps first.
#
# podman's infra containers run berth-pause, from a one-file image pushed
# to the same local registry: Debian's podman looks for catatonit to build
# its own pause image, and scripts/deps does not install catatonit.
set -euo pipefail

die() {
	echo "bench: $*" >&2
	exit 1
}

[[ -f bench/play.sh && -f VERSION ]] || die "run me from the repository root: bench/play.sh"
BERTH=${BERTH:-$PWD/berth}
RUNS=${RUNS:-10}
CASES=${CASES:-one three deploy}
REPLICAS=${REPLICAS:-10}
[[ -x $BERTH ]] || die "$BERTH not found: run make first"
PAUSE=$(dirname "$BERTH")/berth-pause
[[ -x $PAUSE ]] || die "$PAUSE not found: run make first"
for t in hyperfine skopeo docker-registry umoci runc podman /usr/bin/time; do
	command -v "$t" >/dev/null || die "$t not found: run scripts/deps"
done
[[ $(id -u) = 0 ]] || die "pods need root"

. tests/e2e/lib.sh
. tests/lib/registry.sh
. tests/lib/images.sh

work=$(mktemp -d "${TMPDIR:-/var/tmp}/berth-bench-play.XXXXXX")
berth_on_exit "rm -rf '$work'"
berth_on_exit "umount -R '$work/podman/root/overlay' 2>/dev/null || true"
# whatever a failed run leaves goes too: each engine's pods of every manifest
berth_on_exit "for f in '$work'/m/*.yaml; do \$B kube down \"\$f\"; \$P kube down \"\$f\"; done >/dev/null 2>&1 || true"

images_cache_init
# shellcheck disable=SC2119 # no options
registry_start >/dev/null
# a tag other than latest: its pull policy is IfNotPresent, so nothing is
# pulled while timing
image_busybox bench/busybox:1.0 >/dev/null
ref=$REGISTRY/bench/busybox:1.0

# the infra image for podman: berth-pause as /pause
umoci init --layout "$work/pause"
umoci new --image "$work/pause:1.0"
umoci unpack --image "$work/pause:1.0" "$work/pause-bundle" >/dev/null
cp "$PAUSE" "$work/pause-bundle/rootfs/pause"
umoci repack --image "$work/pause:1.0" "$work/pause-bundle"
umoci config --image "$work/pause:1.0" --config.entrypoint /pause
skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$work/pause:1.0" \
	"docker://$REGISTRY/bench/pause:1.0"

printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REGISTRY" >"$work/registries.conf"
export CONTAINERS_REGISTRIES_CONF=$work/registries.conf
hard=$(ulimit -Hn)
mkdir -p "$work/podman/networks" "$work/berth"
cat >"$work/containers.conf" <<CONF
[containers]
log_driver = "k8s-file"
default_ulimits = ["nofile=$hard:$hard", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
infra_image = "$REGISTRY/bench/pause:1.0"
[network]
network_backend = "netavark"
network_config_dir = "$work/podman/networks"
CONF
export CONTAINERS_CONF=$work/containers.conf
B="$BERTH --root $work/berth/root --runroot $work/berth/run"
P="podman --root $work/podman/root --runroot $work/podman/run --storage-driver overlay"
$B pull -q "$ref" >/dev/null
$P pull -q "$ref" >/dev/null
$P pull -q "$REGISTRY/bench/pause:1.0" >/dev/null

# --- the manifests -----------------------------------------------------------

mkdir -p "$work/m"
container() { # NAME INDENT
	sed "s/^/$2/" <<-YAML
		- name: $1
		  image: $ref
		  command: [sh, -c, 'trap "exit 0" TERM; sleep 100000 & wait']
	YAML
}
pod_spec() { # INDENT HOSTNET CONTAINER-NAMES...
	local in=$1 hostnet=$2 c
	shift 2
	echo "${in}terminationGracePeriodSeconds: 10"
	[[ $hostnet = 0 ]] || echo "${in}hostNetwork: true"
	echo "${in}containers:"
	for c in "$@"; do
		container "$c" "$in"
	done
}
for net in bridge host; do
	h=0
	[[ $net = bridge ]] || h=1
	{
		printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bench-one-%s\nspec:\n' "$net"
		pod_spec "  " "$h" app
	} >"$work/m/one-$net.yaml"
	{
		printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bench-three-%s\nspec:\n' "$net"
		pod_spec "  " "$h" web sidecar logger
	} >"$work/m/three-$net.yaml"
	{
		cat <<-YAML
			apiVersion: apps/v1
			kind: Deployment
			metadata:
			  name: bench-deploy-$net
			  labels: {app: bench-deploy-$net}
			spec:
			  replicas: $REPLICAS
			  selector:
			    matchLabels: {app: bench-deploy-$net}
			  template:
			    metadata:
			      labels: {app: bench-deploy-$net}
			    spec:
		YAML
		pod_spec "      " "$h" app
	} >"$work/m/deploy-$net.yaml"
done
$BERTH kube validate -q "$work"/m/*.yaml >/dev/null || die "the manifests are not valid: $($BERTH kube validate "$work"/m/*.yaml 2>&1)"

# a play and a down of each, by each engine, before timing: both work
for f in "$work"/m/*.yaml; do
	for e in "$B" "$P"; do
		$e kube play "$f" >"$work/out" 2>&1 || die "${e%% *} kube play $f: $(cat "$work/out")"
		$e kube down "$f" >"$work/out" 2>&1 || die "${e%% *} kube down $f: $(cat "$work/out")"
	done
done

# --- timing --------------------------------------------------------------------

# hyperfine's --prepare runs before each timed run: a play is timed with
# the pods down, a down with the pods up
json=()
for c in $CASES; do
	for net in bridge host; do
		f=$work/m/$c-$net.yaml
		for e in berth podman; do
			[[ $e = berth ]] && E=$B || E=$P
			echo "== $e: $c, $net" >&2
			hyperfine --runs "$RUNS" --warmup 1 --export-json "$work/$e-$c-$net-play.json" \
				--prepare "$E kube down $f >/dev/null 2>&1 || true" \
				--command-name "$e play $c $net" "$E kube play $f" >&2
			hyperfine --runs "$RUNS" --warmup 1 --export-json "$work/$e-$c-$net-down.json" \
				--prepare "$E kube down $f >/dev/null 2>&1 || true; $E kube play $f >/dev/null 2>&1" \
				--command-name "$e down $c $net" "$E kube down $f" >&2
			json+=("$work/$e-$c-$net-play.json" "$work/$e-$c-$net-down.json")
		done
	done
done

# --- memory --------------------------------------------------------------------

# peak RSS of one play and one down of the Deployment, bridge and host
# (the bridge figure counts netavark too: berth waits for it, and the
# kernel counts a waited-for child's peak in its parent's)
peak() { # OUT-FILE ENGINE-CMD VERB FILE
	# shellcheck disable=SC2086 # ENGINE-CMD is words
	/usr/bin/time -f %M -o "$1" $2 kube "$3" "$4" >/dev/null 2>"$work/err" ||
		die "${2%% *} kube $3 $4: $(cat "$work/err")"
}
for net in bridge host; do
	f=$work/m/deploy-$net.yaml
	peak "$work/rss-berth-play-$net" "$B" play "$f"
	peak "$work/rss-berth-down-$net" "$B" down "$f"
	peak "$work/rss-podman-play-$net" "$P" play "$f"
	peak "$work/rss-podman-down-$net" "$P" down "$f"
done

# what stays with running pods: the Deployment (bridge) up, then the RSS
# and PSS of berth's monitors and berth-pause processes, and of podman's
# conmons and its infra containers' processes (berth-pause too)
mem() { # PID... -> "N RSS-KiB PSS-KiB"
	local pid rss=0 pss=0 n=0 r s
	for pid in "$@"; do
		r=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || continue
		s=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null) || s=0
		rss=$((rss + ${r:-0}))
		pss=$((pss + ${s:-0}))
		n=$((n + 1))
	done
	echo "$n $rss $pss"
}
pids_of() { # ROOT KEY GLOB: the pids recorded under KEY in berth's records
	"$BERTH_PYTHON" - "$@" <<-'PY'
		import glob, json, sys
		root, key, pattern = sys.argv[1:]
		for p in glob.glob(f"{root}/{pattern}"):
		    pid = json.load(open(p)).get(key)
		    if pid:
		        print(pid)
	PY
}
f=$work/m/deploy-bridge.yaml
$B kube play "$f" >/dev/null 2>"$work/err" || die "berth kube play $f: $(cat "$work/err")"
mapfile -t pids < <(pids_of "$work/berth/root" monitorPid "containers/*/container.json")
read -r b_mon_n b_mon_rss b_mon_pss < <(mem "${pids[@]}")
mapfile -t pids < <(pids_of "$work/berth/root" infraPid "pods/*/pod.json")
read -r b_inf_n b_inf_rss b_inf_pss < <(mem "${pids[@]}")
$B kube down "$f" >/dev/null
$P kube play "$f" >/dev/null 2>"$work/err" || die "podman kube play $f: $(cat "$work/err")"
mapfile -t pids < <(pgrep -f "^/usr/bin/conmon .*$work/podman/" || true)
read -r p_mon_n p_mon_rss p_mon_pss < <(mem "${pids[@]}")
mapfile -t pids < <(for id in $($P ps --no-trunc --format '{{.ID}} {{.IsInfra}}' | awk '$2 == "true" {print $1}'); do
	$P inspect --format '{{.State.Pid}}' "$id"
done)
read -r p_inf_n p_inf_rss p_inf_pss < <(mem "${pids[@]}")
$P kube down "$f" >/dev/null 2>&1

# --- the figures ---------------------------------------------------------------

"$BERTH_PYTHON" - "$REPLICAS" "$work" \
	"$b_mon_n $b_mon_rss $b_mon_pss $b_inf_n $b_inf_rss $b_inf_pss" \
	"$p_mon_n $p_mon_rss $p_mon_pss $p_inf_n $p_inf_rss $p_inf_pss" "${json[@]}" <<'PY'
import json, sys
replicas, work, bmem, pmem = sys.argv[1:5]
replicas = int(replicas)
res = {}
for path in sys.argv[5:]:
    for r in json.load(open(path))["results"]:
        res[r["command"]] = (r["mean"] * 1000, r["stddev"] * 1000 if r["stddev"] else 0)
names = {"one": "1 pod, 1 container", "three": "1 pod, 3 containers",
         "deploy": f"Deployment, {replicas} pods"}
print()
print(f"{'':34s} {'podman':>9s} {'berth':>9s} {'podman/berth':>13s}")
worst = {"play": None, "down": None}
for c in names:
    for net in ("bridge", "host"):
        for op in ("play", "down"):
            p = res.get(f"podman {op} {c} {net}")
            b = res.get(f"berth {op} {c} {net}")
            if not p or not b:
                continue
            ratio = p[0] / b[0]
            if worst[op] is None or ratio < worst[op]:
                worst[op] = ratio
            label = f"{op} {names[c]}, {net}"
            print(f"{label:34s} {p[0]:7.0f}ms {b[0]:7.0f}ms {ratio:12.1f}x")
print()
for op, goal in (("play", 20), ("down", 10)):
    if worst[op] is not None:
        print(f"{op}: slowest ratio {worst[op]:.1f}x   goal >= {goal}x: {'met' if worst[op] >= goal else 'missed'}")
def kib(path):
    try:
        return int(open(path).read().split()[-1])
    except (OSError, ValueError, IndexError):
        return 0
print()
print(f"peak RSS, Deployment of {replicas}:     play bridge  play host  down bridge  down host")
for e in ("berth", "podman"):
    v = [kib(f"{work}/rss-{e}-{op}-{net}") / 1024 for op in ("play", "down") for net in ("bridge", "host")]
    print(f"  {e:28s}   {v[0]:8.1f} MiB {v[1]:6.1f} MiB {v[2]:8.1f} MiB {v[3]:6.1f} MiB")
print()
for e in ("podman", "berth"):
    for net in ("bridge", "host"):
        one, dep = res.get(f"{e} play one {net}"), res.get(f"{e} play deploy {net}")
        if one and dep:
            print(f"{e} play of {replicas} pods / of one pod, {net}: {dep[0] / one[0]:.1f}"
                  f" ({replicas} if made one after another)")
print()
print(f"what stays with {replicas} running pods (bridge), RSS / PSS in MiB, per pod:")
per = {}
for e, m, kinds in (("berth", bmem, ("berth-monitor", "berth-pause")),
                    ("podman", pmem, ("conmon", "infra (berth-pause)"))):
    v = list(map(int, m.split()))
    rss = pss = 0
    for i, kind in enumerate(kinds):
        n, r, p = v[3 * i: 3 * i + 3]
        rss += r
        pss += p
        print(f"  {e:7s} {n:3d} x {kind:20s} {r / replicas / 1024:6.2f} / {p / replicas / 1024:5.2f}")
    per[e] = (rss / replicas / 1024, pss / replicas / 1024)
    print(f"  {e:7s} {'all':26s} {per[e][0]:6.2f} / {per[e][1]:5.2f}")
r, p = per["berth"]
print(f"berth's own memory per pod <= 1 MiB: {'met' if r <= 1 else 'missed'} by RSS ({r:.2f}),"
      f" {'met' if p <= 1 else 'missed'} by PSS ({p:.2f}; static binaries' shared pages counted once)")
PY
