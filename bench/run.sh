#!/usr/bin/env bash
# bench/run.sh: how fast berth starts a container, in one run against
#   podman run --rm busybox true   (the peer, with runc, as PEERS.md says)
#   runc run / crun run            (a prepared bundle: the floor)
# and 50 detached sleep containers started then stopped, berth and podman.
# Also the RSS of a waiting monitor (berth-monitor against conmon) and
# berth's own peak RSS.
#
#   bench/run.sh            (RUNS=20 by default)
#
# Goals (issue 5): berth >= 10x faster than podman, within 2x of crun run;
# monitor RSS <= 1 MiB; berth peak RSS <= 10 MiB. Installs nothing: run
# scripts/deps first.
set -euo pipefail

die() {
	echo "bench: $*" >&2
	exit 1
}

[[ -f bench/run.sh && -f VERSION ]] || die "run me from the repository root: bench/run.sh"
BERTH=${BERTH:-$PWD/berth}
RUNS=${RUNS:-20}
N=${N:-50}
[[ -x $BERTH ]] || die "$BERTH not found: run make first"
for t in hyperfine skopeo docker-registry umoci runc podman /usr/bin/time; do
	command -v "$t" >/dev/null || die "$t not found: run scripts/deps"
done

. tests/e2e/lib.sh
. tests/lib/registry.sh
. tests/lib/images.sh

work=$(mktemp -d "${TMPDIR:-/var/tmp}/berth-bench-run.XXXXXX")
berth_on_exit "rm -rf '$work'"
berth_on_exit "umount -R '$work/podman/root/overlay' 2>/dev/null || true"
berth_on_exit "'$BERTH' --root '$work/berth' --runroot '$work/berth-run' rm -a -f -t 0 >/dev/null 2>&1 || true"

images_cache_init
registry_start >/dev/null
image_busybox bench/busybox:latest >/dev/null
ref=$REGISTRY/bench/busybox:latest
: >"$work/registries.conf"
export CONTAINERS_REGISTRIES_CONF=$work/registries.conf
hard=$(ulimit -Hn)
cat >"$work/containers.conf" <<CONF
[containers]
log_driver = "k8s-file"
default_ulimits = ["nofile=$hard:$hard", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
[network]
network_backend = "netavark"
CONF
export CONTAINERS_CONF=$work/containers.conf
B="$BERTH --root $work/berth --runroot $work/berth-run"
P="podman --root $work/podman/root --runroot $work/podman/run --storage-driver overlay"
$B pull -q --tls-verify=false "$ref" >/dev/null
$P pull -q --tls-verify=false "$ref" >/dev/null

# the floor: a bundle of the same image that runc and crun run as they are
mkdir -p "$work/bundle/rootfs"
cid=$($B create "$ref" true)
cp "$work/berth/containers/$cid/userdata/config.json" "$work/bundle/"
"$BERTH_PYTHON" - "$work/bundle/config.json" "$work/bundle/rootfs" <<'PY'
import json, sys
path, rootfs = sys.argv[1:]
c = json.load(open(path))
c["root"] = {"path": rootfs, "readonly": False}
c.get("annotations", {}).pop("io.berth.rootfs.overlay", None)
c["linux"].pop("cgroupsPath", None)
c["mounts"] = [m for m in c["mounts"] if m["destination"] not in ("/etc/hosts", "/etc/hostname", "/etc/resolv.conf")]
json.dump(c, open(path, "w"))
PY
$B rm "$cid" >/dev/null
cp -a "$work"/berth/layers/*/diff/. "$work/bundle/rootfs/"

cmds=(
	--command-name "berth run --rm" "$B run --rm $ref true"
	--command-name "podman run --rm" "$P run --rm --network none $ref true"
	--command-name "runc run (bundle)" "runc --root $work/runc run --bundle $work/bundle bench-runc-\$RANDOM"
)
# crun refuses this machine's v1/v2 hybrid unless the v2 tree is out of sight
if command -v crun >/dev/null; then
	cmds+=(--command-name "crun run (bundle)"
		"unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; crun --root $work/crun run --bundle $work/bundle bench-crun-\$\$'")
fi
hyperfine -N --runs "$RUNS" --warmup 2 --export-json "$work/h.json" "${cmds[@]}" >&2 ||
	hyperfine --runs "$RUNS" --warmup 2 --export-json "$work/h.json" "${cmds[@]}" >&2

# 50 detached sleepers, started then stopped
many() { # tool
	local t0 t1 t2 i ids=()
	t0=$(date +%s%N)
	for ((i = 0; i < N; i++)); do
		ids+=("$($1 run -d "$ref" sleep 1000)")
	done
	t1=$(date +%s%N)
	$1 rm -f -t 0 "${ids[@]}" >/dev/null
	t2=$(date +%s%N)
	echo "$(((t1 - t0) / 1000000)) $(((t2 - t1) / 1000000))"
}
read -r b_start b_stop < <(many "$B")
read -r p_start p_stop < <(many "$P")

# the RSS of what stays with a running container
cid=$($B run -d "$ref" sleep 1000)
mon=$("$BERTH_PYTHON" -c "import json,sys; print(json.load(open(sys.argv[1]))['monitorPid'])" \
	"$work/berth/containers/$cid/container.json")
rss_mon=$(awk '/VmRSS/ {print $2}' "/proc/$mon/status")
$B rm -f -t 0 "$cid" >/dev/null
pcid=$($P run -d --network none "$ref" sleep 1000)
conmon=$(pgrep -f "conmon.*$pcid" | head -1 || true)
rss_conmon=$( [[ -n $conmon ]] && awk '/VmRSS/ {print $2}' "/proc/$conmon/status" || echo 0)
$P rm -f -t 0 "$pcid" >/dev/null
/usr/bin/time -f %M -o "$work/rss" $B run --rm "$ref" true
rss_berth=$(tail -n 1 "$work/rss")
/usr/bin/time -f %M -o "$work/rss" $P run --rm --network none "$ref" true
rss_podman=$(tail -n 1 "$work/rss")

"$BERTH_PYTHON" - "$work/h.json" "$N" "$b_start" "$b_stop" "$p_start" "$p_stop" \
	"$rss_mon" "$rss_conmon" "$rss_berth" "$rss_podman" <<'PY'
import json, sys
path, n, bs, bt, ps, pt, rm, rc, rb, rp = sys.argv[1:]
res = {r["command"]: r["mean"] * 1000 for r in json.load(open(path))["results"]}
b = res["berth run --rm"]; p = res["podman run --rm"]
floor = res.get("crun run (bundle)") or res["runc run (bundle)"]
fname = "crun" if "crun run (bundle)" in res else "runc"
print()
for k, v in res.items():
    print(f"{k:22s} {v:8.1f} ms")
print(f"podman/berth:          {p / b:8.2f}   goal >= 10: {'met' if p / b >= 10 else 'missed'}")
print(f"berth/{fname} run:        {b / floor:8.2f}   goal <= 2: {'met' if b / floor <= 2 else 'missed'}")
print(f"{n} detached sleepers:   berth start {int(bs)} ms, stop+rm {int(bt)} ms; "
      f"podman start {int(ps)} ms, stop+rm {int(pt)} ms")
print(f"monitor RSS:           berth-monitor {int(rm) / 1024:.2f} MiB, conmon {int(rc) / 1024:.2f} MiB"
      f"   goal <= 1 MiB: {'met' if int(rm) <= 1024 else 'missed'}")
print(f"peak RSS of run --rm:  berth {int(rb) / 1024:.1f} MiB, podman {int(rp) / 1024:.1f} MiB"
      f"   goal <= 10 MiB: {'met' if int(rb) <= 10240 else 'missed'}")
PY
