#!/usr/bin/env bash
# bench/pull.sh: how fast `berth pull` brings a ~500 MB image from a local
# registry into its store, against `skopeo copy docker://… dir:…` (which only
# downloads and verifies, no unpacking) and `podman pull`, in the same run,
# each cold (a fresh store every time).
#
#   bench/pull.sh            (RUNS=3 by default; IMAGE_CACHE=DIR keeps the test image)
#
# The image has 3 layers: ~400 MB of incompressible data, 20,000 small files,
# and busybox (tests/lib/images.sh image_big). Prints the means, the ratios
# and each tool's peak RSS. Goal: berth no slower than skopeo copy, with a
# peak RSS under 30 MiB. Installs nothing: run scripts/deps first.
set -euo pipefail

die() {
	echo "bench: $*" >&2
	exit 1
}

[[ -f bench/pull.sh && -f VERSION ]] || die "run me from the repository root: bench/pull.sh"
BERTH=${BERTH:-$PWD/berth}
RUNS=${RUNS:-3}
[[ -x $BERTH ]] || die "$BERTH not found: run make first"
for t in hyperfine skopeo docker-registry umoci /usr/bin/time; do
	command -v "$t" >/dev/null || die "$t not found: run scripts/deps"
done
have_podman=0
command -v podman >/dev/null && have_podman=1

. tests/e2e/lib.sh
. tests/lib/registry.sh
. tests/lib/images.sh

work=$(mktemp -d "${TMPDIR:-/var/tmp}/berth-bench-pull.XXXXXX")
berth_on_exit "rm -rf '$work'"
cache=${IMAGE_CACHE:-$work/cache}
mkdir -p "$cache"

images_cache_init
registry_start
echo "building the test image (cached in $cache)..." >&2
image_big bench/big:1 "$cache" >/dev/null
ref=$REGISTRY/bench/big:1

# podman as PEERS.md says, written here rather than relied on
cat >"$work/containers.conf" <<CONF
[containers]
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
CONF
: >"$work/registries.conf"
export CONTAINERS_REGISTRIES_CONF=$work/registries.conf

berth_cmd="rm -rf $work/berth && $BERTH --root $work/berth pull -q --tls-verify=false $ref"
skopeo_cmd="rm -rf $work/skopeo && skopeo --insecure-policy copy -q --src-tls-verify=false docker://$ref dir:$work/skopeo"
# podman leaves its overlay home mounted: unmount it before the next cold run
podman_cmd="umount -R $work/podman/root/overlay 2>/dev/null; rm -rf $work/podman && CONTAINERS_CONF=$work/containers.conf podman --root $work/podman/root --runroot $work/podman/run --storage-driver overlay pull -q --tls-verify=false $ref"

cmds=(--command-name "berth pull" "$berth_cmd" --command-name "skopeo copy (no unpacking)" "$skopeo_cmd")
[[ $have_podman = 1 ]] && cmds+=(--command-name "podman pull" "$podman_cmd")
sync
hyperfine --runs "$RUNS" --warmup 1 --export-json "$work/h.json" "${cmds[@]}"

rss() { # command: its peak RSS in KiB
	/usr/bin/time -f %M -o "$work/rss" bash -c "$1" >/dev/null 2>&1
	tail -n 1 "$work/rss"
}
r_berth=$(rss "rm -rf $work/berth && $BERTH --root $work/berth pull -q --tls-verify=false $ref")
r_skopeo=$(rss "$skopeo_cmd")
r_podman=0
[[ $have_podman = 1 ]] && r_podman=$(rss "$podman_cmd")
umount -R "$work/podman/root/overlay" 2>/dev/null || true
bytes=$(du -sb "$work/skopeo" | cut -f1)

"${BERTH_PYTHON:-python3}" - "$work/h.json" "$bytes" "$r_berth" "$r_skopeo" "$r_podman" <<'PY'
import json, sys
path, nbytes, rb, rs, rp = sys.argv[1:]
res = {r["command"]: r for r in json.load(open(path))["results"]}
b = res["berth pull"]["mean"]
s = res["skopeo copy (no unpacking)"]["mean"]
p = res.get("podman pull", {}).get("mean")
mib = lambda k: int(k) / 1024
print()
print(f"image:        {int(nbytes) / 1e6:.0f} MB compressed, 3 layers")
print(f"berth pull:   {b:6.2f} s   peak RSS {mib(rb):6.1f} MiB")
print(f"skopeo copy:  {s:6.2f} s   peak RSS {mib(rs):6.1f} MiB   (downloads only)")
if p:
    print(f"podman pull:  {p:6.2f} s   peak RSS {mib(rp):6.1f} MiB")
print(f"berth/skopeo: {b / s:6.2f}   goal <= 1.0: {'met' if b <= s else 'missed'}")
if p:
    print(f"podman/berth: {p / b:6.2f}   goal >= 2.0: {'met' if p / b >= 2 else 'missed'}")
print(f"berth RSS:    {mib(rb):6.1f} MiB   goal < 30 MiB: {'met' if mib(rb) < 30 else 'missed'}")
PY
