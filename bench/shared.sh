#!/usr/bin/env bash
# bench/shared.sh: shared base layers, in one run. An image of ~SIZE_MB MiB
# (busybox, a layer of 10,000 small files, and layers of large files) is
# published once to a shared store on a real network file system (sshfs
# on 127.0.0.1, tests/lib/sshfs.sh; or BERTH_TEST_SHARED_DIR), then NODES
# fresh nodes (berth roots) each start a container of it:
#   shared-erofs  --shared-base-layers, layers as EROFS images (the default)
#   shared-dir    --shared-base-layers --shared-layer-format dir
#   copy          berth without it: pull from the registry, unpack locally
#   podman        podman pull + podman run (PODMAN_NODES nodes of the NODES)
# and prints (a) the time to a running container on a fresh node, (b) the
# bytes written to the nodes' local stores, (c) inside a container, the
# time of `find / -type f | wc -l` and of reading 1,000 small files,
# EROFS against dir (page cache dropped before each).
#
#   bench/shared.sh            (SIZE_MB=1024 NODES=8 PODMAN_NODES=2 RUNS=5)
#
# Goals (issue 7): >= 5x faster to a running container than the copying
# path, >= 95% fewer local bytes, EROFS >= 2x faster than dir on the
# small-file read. Installs nothing: run scripts/deps first.
set -euo pipefail

die() {
	echo "bench: $*" >&2
	exit 1
}

[[ -f bench/shared.sh && -f VERSION ]] || die "run me from the repository root: bench/shared.sh"
BERTH=${BERTH:-$PWD/berth}
SIZE_MB=${SIZE_MB:-1024}
NODES=${NODES:-8}
PODMAN_NODES=${PODMAN_NODES:-2}
RUNS=${RUNS:-5}
[[ -x $BERTH ]] || die "$BERTH not found: run make first"
for t in docker-registry umoci podman runc mkfs.erofs sshfs python3 bc; do
	command -v "$t" >/dev/null || die "$t not found: run scripts/deps"
done
[[ $(id -u) = 0 ]] || die "needs root (mounts)"

. tests/e2e/lib.sh
. tests/lib/registry.sh
. tests/lib/images.sh
. tests/lib/sshfs.sh

work=$(mktemp -d "${TMPDIR:-/var/tmp}/berth-bench-shared.XXXXXX")
berth_on_exit "rm -rf '$work'"
# EROFS layers the nodes mounted, before the directories go
berth_on_exit "awk -v w='$work/' 'index(\$5, w) == 1 {print \$5}' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true"

images_cache_init
registry_start >/dev/null
printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REGISTRY" >"$work/registries.conf"
export CONTAINERS_REGISTRIES_CONF=$work/registries.conf
# podman as bench/play.sh runs it: cgroupfs, runc, and rlimits this machine allows
hard=$(ulimit -Hn)
cat >"$work/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$hard:$hard", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
CONF
export CONTAINERS_CONF=$work/containers.conf

# --- the image -----------------------------------------------------------------

echo "== making a ${SIZE_MB} MiB image" >&2
mkdir -p "$work/small/small" "$work/big"
python3 - "$work/small/small" <<'PY'
import os, random, sys
d = sys.argv[1]
rnd = random.Random(7)
for i in range(10000):
    sub = os.path.join(d, "%02d" % (i % 100))
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "f%05d.txt" % i), "wb") as f:
        f.write(rnd.randbytes(rnd.randint(512, 4096)))
PY
tar --numeric-owner --owner=0 --group=0 -C "$work/small" -cf "$work/small.tar" small
layers=("$(_images_busybox_tar)" "$work/small.tar")
big=$((SIZE_MB - 40))
for i in 1 2 3; do
	mkdir -p "$work/big/$i/big$i"
	dd if=/dev/urandom of="$work/big/$i/big$i/data" bs=1M count=$((big / 3)) status=none
	tar --numeric-owner --owner=0 --group=0 -C "$work/big/$i" -cf "$work/big$i.tar" "big$i"
	rm -rf "$work/big/$i"
	layers+=("$work/big$i.tar")
done
_images_push_raw --compress none bench/shared:1.0 "${layers[@]}" >/dev/null
rm -f "$work"/big*.tar "$work/small.tar"
ref=$REGISTRY/bench/shared:1.0

# --- the shared store ----------------------------------------------------------

sshfs_start "$work/shared" >/dev/null
mkdir -m 0755 "$SHARED_DIR/store"
S=$SHARED_DIR/store
node() { # N ARGS...: berth as node N
	local n=$1
	shift
	"$BERTH" --root "$work/node$n/root" --runroot "$work/node$n/run" "$@"
}
echo "== publishing to the shared store ($SHARED_FS)" >&2
t0=$(date +%s.%N)
node pub --shared-store "$S" pull --shared -q "$ref" >/dev/null
publish_s=$(echo "$(date +%s.%N) - $t0" | bc)

# --- (a) and (b): fresh nodes ----------------------------------------------------

# seconds for CMD..., page cache dropped first (every node starts cold)
timed() {
	local t0
	sync
	echo 3 >/proc/sys/vm/drop_caches
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>"$work/err" || die "$*: $(cat "$work/err")"
	echo "$(date +%s.%N) - $t0" | bc
}
# bytes under DIR, this file system only (not the EROFS mounts)
bytes() { du -sxb "$1" 2>/dev/null | cut -f1; }

declare -A total_s total_b
for mode in shared-erofs shared-dir copy podman; do
	total_s[$mode]=0
	total_b[$mode]=0
done
for i in $(seq "$NODES"); do
	echo "== node $i of $NODES" >&2
	s=$(timed node "e$i" --shared-store "$S" --shared-base-layers=required run --rm "$ref" true)
	total_s[shared-erofs]=$(echo "${total_s[shared-erofs]} + $s" | bc)
	total_b[shared-erofs]=$((total_b[shared-erofs] + $(bytes "$work/nodee$i/root")))
	s=$(timed node "d$i" --shared-store "$S" --shared-layer-format dir --shared-base-layers=required \
		run --rm "$ref" true)
	total_s[shared-dir]=$(echo "${total_s[shared-dir]} + $s" | bc)
	total_b[shared-dir]=$((total_b[shared-dir] + $(bytes "$work/noded$i/root")))
	s=$(timed node "c$i" run --rm "$ref" true)
	total_s[copy]=$(echo "${total_s[copy]} + $s" | bc)
	total_b[copy]=$((total_b[copy] + $(bytes "$work/nodec$i/root")))
	if [ "$i" -le "$PODMAN_NODES" ]; then
		P="podman --root $work/podman$i/root --runroot $work/podman$i/run --storage-driver overlay"
		# shellcheck disable=SC2086 # P is words
		s=$(timed sh -c "$P pull -q $ref && $P run --rm --net host $ref true")
		total_s[podman]=$(echo "${total_s[podman]} + $s" | bc)
		total_b[podman]=$((total_b[podman] + $(bytes "$work/podman$i/root")))
		# shellcheck disable=SC2086
		$P rmi -af >/dev/null 2>&1 || true
		umount -R "$work/podman$i/root/overlay" 2>/dev/null || true
		rm -rf "$work/podman$i"
	fi
	# a copying node's store is counted; its bytes are not needed any more
	rm -rf "$work/nodec$i"
done

# --- (c): reading inside a container ----------------------------------------------

# the median of RUNS cold runs of a container doing CMD, in seconds
inside() { # NODE FORMAT-ARGS... -- CMD
	local n=$1 args=() i out=()
	shift
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	shift
	for i in $(seq "$RUNS"); do
		out+=("$(timed node "$n" --shared-store "$S" "${args[@]}" --shared-base-layers=required \
			run --rm "$ref" sh -c "$1")")
	done
	printf '%s\n' "${out[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}
find_cmd='find / -xdev -type f | wc -l'
read_cmd='find /small -type f | head -n 1000 | xargs cat | wc -c'
base_e=$(inside e1 -- true)
base_d=$(inside d1 --shared-layer-format dir -- true)
find_e=$(inside e1 -- "$find_cmd")
find_d=$(inside d1 --shared-layer-format dir -- "$find_cmd")
read_e=$(inside e1 -- "$read_cmd")
read_d=$(inside d1 --shared-layer-format dir -- "$read_cmd")

# --- the figures -----------------------------------------------------------------

ratio() { echo "scale=1; $1 / $2" | bc; }
per() { echo "scale=3; $1 / $2" | bc; }
mib() { printf '%.1f' "$(echo "scale=3; $1 / 1048576" | bc)"; }
echo
printf 'image: %s MiB in 5 layers (one of 10,000 small files); shared store on %s\n' "$SIZE_MB" "$SHARED_FS"
printf 'publishing it (berth pull --shared, dir + EROFS): %.1f s\n\n' "$publish_s"
printf '(a) time to a running container on a fresh node (mean of %s nodes; podman %s)\n' "$NODES" "$PODMAN_NODES"
e=$(per "${total_s[shared-erofs]}" "$NODES")
d=$(per "${total_s[shared-dir]}" "$NODES")
c=$(per "${total_s[copy]}" "$NODES")
printf '  berth --shared-base-layers (erofs)  %8.3f s\n' "$e"
printf '  berth --shared-base-layers (dir)    %8.3f s\n' "$d"
printf '  berth, copying                      %8.3f s\n' "$c"
if [ "$PODMAN_NODES" -gt 0 ]; then
	p=$(per "${total_s[podman]}" "$PODMAN_NODES")
	printf '  podman pull + run                   %8.3f s\n' "$p"
fi
printf '  copying / shared: erofs %sx, dir %sx   (goal >= 5x)\n' "$(ratio "$c" "$e")" "$(ratio "$c" "$d")"
[ "$PODMAN_NODES" -gt 0 ] && printf '  podman / shared erofs: %sx\n' "$(ratio "$p" "$e")"
echo
printf '(b) bytes written to the local stores of %s nodes\n' "$NODES"
printf '  shared (erofs) %10s MiB\n  shared (dir)   %10s MiB\n  copying        %10s MiB\n' \
	"$(mib "${total_b[shared-erofs]}")" "$(mib "${total_b[shared-dir]}")" "$(mib "${total_b[copy]}")"
[ "$PODMAN_NODES" -gt 0 ] &&
	printf '  podman         %10s MiB  (%s nodes)\n' "$(mib "${total_b[podman]}")" "$PODMAN_NODES"
printf '  fewer local bytes than copying: erofs %s%%, dir %s%%   (goal >= 95%%)\n' \
	"$(echo "scale=2; 100 - 100 * ${total_b[shared-erofs]} / ${total_b[copy]}" | bc)" \
	"$(echo "scale=2; 100 - 100 * ${total_b[shared-dir]} / ${total_b[copy]}" | bc)"
echo
printf '(c) inside a container, cold cache, median of %s (minus a container running true)\n' "$RUNS"
fe=$(echo "$find_e - $base_e" | bc)
fd=$(echo "$find_d - $base_d" | bc)
re=$(echo "$read_e - $base_e" | bc)
rd=$(echo "$read_d - $base_d" | bc)
printf '  find / -type f | wc -l     erofs %7.3f s   dir %7.3f s   dir/erofs %sx\n' "$fe" "$fd" "$(ratio "$fd" "$fe")"
printf '  read 1,000 small files     erofs %7.3f s   dir %7.3f s   dir/erofs %sx   (goal >= 2x)\n' \
	"$re" "$rd" "$(ratio "$rd" "$re")"
