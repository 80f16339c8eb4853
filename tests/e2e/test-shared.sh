#!/usr/bin/env bash
# tests/e2e/test-shared.sh: shared base layers on a real network file
# system (sshfs on 127.0.0.1 through tests/lib/sshfs.sh, or a site's own
# mount with BERTH_TEST_SHARED_DIR): `pull --shared` fills the shared store
# once; another node (another --root) runs the image with
# --shared-base-layers and copies no layer byte, its overlay's lowerdirs in
# the shared mount; a store on a local disk falls back with a warning (an
# error with =required); a store others can write to is refused.
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
. tests/lib/exit.sh
. tests/lib/registry.sh
. tests/lib/images.sh
. tests/lib/sshfs.sh

S=$(mktemp -d)
berth_on_exit "rm -rf '$S'"

suite_setup() {
	local m
	m=$(registry_missing; images_missing; sshfs_missing)
	[ "$(id -u)" = 0 ] || m="$m root (mounts)"
	if [ -n "${m// /}" ]; then
		SETUP_SKIP="missing: ${m//$'\n'/ }"
		return 0
	fi
	registry_start >/dev/null
	printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REGISTRY" >"$S/registries.conf"
	image_shared_base shared/one shared/two >/dev/null
	image_whiteouts shared/wh >/dev/null
}
suite_setup

need() {
	[ -z "${SETUP_SKIP:-}" ] || skip "$SETUP_SKIP"
}

# berth as node N (its own store and run directories), no host configuration
node() { # N ARGS...
	local n=$1
	shift
	XDG_CONFIG_HOME=$T/config CONTAINERS_REGISTRIES_CONF=$S/registries.conf \
		"$BERTH" --root "$T/node$n/root" --runroot "$T/node$n/run" "$@"
}

# the same, killed after SECONDS
node_within() { # SECONDS N ARGS...
	local s=$1 n=$2
	shift 2
	XDG_CONFIG_HOME=$T/config CONTAINERS_REGISTRIES_CONF=$S/registries.conf \
		timeout -s KILL "$s" "$BERTH" --root "$T/node$n/root" --runroot "$T/node$n/run" "$@"
}

# the EROFS layers the nodes of a test mounted (under $T), unmounted
unmount_layers() {
	local m
	for m in $(awk -v t="$T/" 'index($5, t) == 1 && $5 ~ /\/shared-mounts\// {print $5}' /proc/self/mountinfo); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
}
# after each test, passed or failed (tests/e2e/lib.sh calls it)
after_each_test() { unmount_layers; }
# and whatever a failed test left, at the end
berth_on_exit "awk '\$5 ~ /\\/node[0-9]+\\/root\\/shared-mounts\\// {print \$5}' /proc/self/mountinfo | xargs -r -n1 umount -l 2>/dev/null || true"

# bytes of layer content in node N's local store
local_layer_bytes() { # N
	[ -d "$T/node$1/root/layers" ] || {
		echo 0
		return
	}
	find "$T/node$1/root/layers" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'
}

# every layer of the shared store is whole (its record, and its diff or,
# for an EROFS-only layer, its EROFS image), and there are N of them when N
# is given
expect_whole_layers() { # [N [STORE]]
	local d n=0
	for d in "${2:-$SHARED_DIR/store}/layers"/*; do
		[ -e "$d" ] || continue
		[ -f "$d/layer.json" ] || fail "a partial layer: $d: $(ls -a "$d")"
		if grep -q '"erofsOnly": *true' "$d/layer.json"; then
			[ ! -e "$d/diff" ] && [ -f "$d/${d##*/}.erofs" ] ||
				fail "a partial EROFS-only layer: $d: $(ls -a "$d")"
		else
			[ -d "$d/diff" ] || fail "a partial layer: $d: $(ls -a "$d")"
		fi
		n=$((n + 1))
	done
	[ -z "${1:-}" ] || [ "$n" -eq "$1" ] || fail "$n layers in the shared store, expected $1"
}

test_pull_shared_then_run_in_place() {
	need
	sshfs_start "$T/shared"
	mkdir -m 0755 "$SHARED_DIR/store"
	# node 1 publishes the image to the shared store
	run node 1 --shared-store "$SHARED_DIR/store" pull --shared -q "$REGISTRY/shared/one"
	expect_rc 0
	[ -f "$SHARED_DIR/store/berth-shared-store" ] || fail "no format file in the shared store"
	[ "$(find "$SHARED_DIR/store/layers" -mindepth 1 -maxdepth 1 -type d | wc -l)" -eq 2 ] ||
		fail "the shared store does not hold the two layers: $(ls "$SHARED_DIR/store/layers")"
	# and copied nothing itself
	[ "$(local_layer_bytes 1)" -eq 0 ] || fail "node 1 copied $(local_layer_bytes 1) bytes of layers"

	# EROFS images of the layers beside them (the default format)
	[ "$(find "$SHARED_DIR/store/layers" -name '*.erofs' | wc -l)" -eq 2 ] ||
		fail "no EROFS images in the shared store: $(find "$SHARED_DIR/store/layers" -maxdepth 2)"

	# node 2 runs it in place: no layer byte on its disk, the images loop-mounted
	run node 2 --shared-store "$SHARED_DIR/store" --shared-base-layers run --rm \
		"$REGISTRY/shared/one" sh -c 'cat /etc/berth-image; grep " / / " /proc/self/mountinfo'
	expect_rc 0
	expect_grep '^shared/one$' "$T/out"
	[ "$(local_layer_bytes 2)" -eq 0 ] || fail "node 2 copied $(local_layer_bytes 2) bytes of layers"
	[ -z "$(find "$T/node2/root/layers" -mindepth 1 2>/dev/null)" ] ||
		fail "node 2 has local layers: $(find "$T/node2/root/layers" -mindepth 1 | head)"
	grep -q "$T/node2/root/shared-mounts/" "$T/out" ||
		fail "the root's lowerdirs are not node 2's EROFS mounts: $(cat "$T/out")"
	local m loop n=0
	for m in "$T/node2/root/shared-mounts"/*; do
		[ -d "$m" ] || continue
		[ "$(stat -f -c %T "$m")" = erofs ] || fail "$m is not an EROFS mount: $(stat -f -c %T "$m")"
		loop=$(awk -v m="$m" '$5 == m { for (i = 7; i <= NF; i++) if ($i == "-") { print $(i + 2); exit } }' /proc/self/mountinfo)
		case $loop in
		/dev/loop*) grep -q "^$SHARED_SERVER_DIR/store/layers/\|^$SHARED_DIR/store/layers/" \
			"/sys/block/${loop#/dev/}/loop/backing_file" ||
			fail "$loop is backed by $(cat "/sys/block/${loop#/dev/}/loop/backing_file")" ;;
		*) grep -q "^$SHARED_DIR/store/layers/" <<<"$loop" || fail "$m is mounted from $loop" ;;
		esac
		n=$((n + 1))
	done
	[ "$n" -eq 2 ] || fail "$n EROFS mounts, expected 2"
	expect_no_grep 'warning' "$T/err"
	# image inspect names them
	run node 2 --shared-store "$SHARED_DIR/store" image inspect "$REGISTRY/shared/one"
	expect_rc 0
	python3 -c 'import json,sys; i=json.load(open(sys.argv[1]))[0]; assert len(i["SharedLayers"]) == 2, i.get("SharedLayers"); assert i["SharedStore"] == sys.argv[2], i.get("SharedStore")' \
		"$T/out" "$SHARED_DIR/store" || fail "image inspect: $(cat "$T/out")"
	# system df counts them apart from what is on the node's disk
	run node 2 --shared-store "$SHARED_DIR/store" system df
	expect_rc 0
	expect_grep '^Layers  *0  *0 B$' "$T/out"
	expect_grep "^Shared  *2  *[0-9.]* [kMG]B (used in place from $SHARED_DIR/store, not on this disk)\$" "$T/out"

	# removing the image from the shared store itself keeps its layers: nodes use them
	run "$BERTH" --root "$SHARED_DIR/store" rmi "$REGISTRY/shared/one"
	expect_rc 0
	expect_whole_layers 2

	# --shared-layer-format dir: the store's directories themselves are the lowerdirs
	run node 5 --shared-store "$SHARED_DIR/store" --shared-layer-format dir --shared-base-layers \
		run --rm "$REGISTRY/shared/one" sh -c 'cat /etc/berth-image; grep " / / " /proc/self/mountinfo'
	expect_rc 0
	expect_grep '^shared/one$' "$T/out"
	grep -q "$SHARED_DIR/store/layers/" "$T/out" ||
		fail "the root's lowerdirs are not in the shared store: $(cat "$T/out")"
	[ "$(local_layer_bytes 5)" -eq 0 ] || fail "node 5 copied $(local_layer_bytes 5) bytes of layers"

	# node 3 without --shared-base-layers copies as always
	run node 3 --shared-store "$SHARED_DIR/store" run --rm "$REGISTRY/shared/one" cat /etc/berth-image
	expect_rc 0
	[ "$(local_layer_bytes 3)" -gt 100000 ] || fail "node 3 did not copy the layers"

	# an image whose second layer is not shared: that one is copied, the base is not
	run node 2 --shared-store "$SHARED_DIR/store" --shared-base-layers run --rm \
		"$REGISTRY/shared/two" cat /etc/berth-image
	expect_rc 0
	expect_grep '^shared/two$' "$T/out"
	[ "$(find "$T/node2/root/layers" -mindepth 1 -maxdepth 1 -type d | wc -l)" -eq 1 ] ||
		fail "node 2 should hold only shared/two's own layer: $(ls "$T/node2/root/layers")"
	[ "$(local_layer_bytes 2)" -lt 100000 ] || fail "node 2 copied the base layer: $(local_layer_bytes 2)"
	# berth images marks them: 1 of shared/two's 2 layers used in place
	run node 2 --shared-store "$SHARED_DIR/store" images
	expect_rc 0
	expect_grep '^REPOSITORY .* SIZE  *SHARED$' "$T/out"
	expect_grep "^$REGISTRY/shared/two .* 1/2\$" "$T/out"
	run node 2 --shared-store "$SHARED_DIR/store" images --format json
	python3 -c 'import json,sys; i=[x for x in json.load(open(sys.argv[1])) if any(n.endswith("/shared/two:latest") for n in x["Names"])][0]; assert len(i["SharedLayers"]) == 1, i' \
		"$T/out" || fail "images --format json: $(cat "$T/out")"
	run node 2 images
	expect_no_grep 'SHARED' "$T/out"
	unmount_layers
}

test_local_store_falls_back() {
	need
	mkdir -m 0755 -p "$T/local-shared"
	run node 1 --shared-store "$T/local-shared" --shared-base-layers run --rm \
		"$REGISTRY/shared/one" cat /etc/berth-image
	expect_rc 0
	expect_grep '^shared/one$' "$T/out"
	expect_grep "warning: shared base layers: the shared store $T/local-shared is on local" "$T/err"
	expect_grep 'layers are copied to the local store' "$T/err"
	[ "$(grep -c warning "$T/err")" -eq 1 ] || fail "the warning is not said once: $(cat "$T/err")"
	[ "$(local_layer_bytes 1)" -gt 100000 ] || fail "node 1 did not copy the layers"
	# =required: an error, and nothing pulled
	run node 2 --shared-store "$T/local-shared" --shared-base-layers=required run --rm \
		"$REGISTRY/shared/one" true
	expect_rc 125
	expect_grep "shared base layers are required, but the shared store $T/local-shared is on local" "$T/err"
	[ "$(local_layer_bytes 2)" -eq 0 ] || fail "node 2 pulled despite the error"
	# a missing store: the same fallback, saying so
	run node 3 --shared-store "$T/nowhere" --shared-base-layers run --rm "$REGISTRY/shared/one" true
	expect_rc 0
	expect_grep "warning: shared base layers: .*$T/nowhere" "$T/err"
	# pull --shared needs a usable shared store
	run node 4 --shared-store "$T/local-shared" pull --shared "$REGISTRY/shared/one"
	expect_rc 1
	expect_grep 'shared base layers are required' "$T/err"
}

test_store_writable_by_others_is_refused() {
	need
	sshfs_start "$T/shared"
	mkdir -m 0777 "$SHARED_DIR/store"
	chmod 0777 "$SHARED_DIR/store"
	run node 1 --shared-store "$SHARED_DIR/store" --shared-base-layers run --rm \
		"$REGISTRY/shared/one" true
	[ "$rc" -ne 0 ] || fail "a world-writable shared store was used"
	expect_grep "$SHARED_DIR/store" "$T/err"
	[ "$(local_layer_bytes 1)" -eq 0 ] || fail "node 1 pulled despite the refusal"
}

# Several nodes fill the shared store at once (two sshfs mounts, so their
# flocks do not see each other): every one succeeds, each layer blob is
# fetched from the registry once, and only whole layers are in the store.
# 4 nodes (2 through another mount of the share) pull IMAGE into the store
# DIR at once: each layer fetched once, every layer whole, none copied locally
race_to_fill() { # IMAGE LAYERS DIR
	local image=$1 layers=$2 dir=$3 before i pids=() store
	mkdir -m 0755 "$SHARED_DIR/$dir"
	before=$(wc -l <"$REGISTRY_LOG")
	for i in 1 2 3 4; do
		store=$SHARED_DIR/$dir
		[ "$i" -le 2 ] || store=$T/shared2/$dir
		node "$i" --shared-store "$store" pull --shared -q "$REGISTRY/$image" \
			>"$T/out$i" 2>"$T/err$i" &
		pids+=($!)
	done
	for i in 0 1 2 3; do
		wait "${pids[$i]}" || fail "$image: node $((i + 1)) failed: $(cat "$T/err$((i + 1))")"
	done
	expect_whole_layers "$layers" "$SHARED_DIR/$dir"
	local d digest n
	for d in "$SHARED_DIR/$dir/layers"/*; do
		digest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["digest"])' "$d/layer.json")
		n=$(tail -n +"$((before + 1))" "$REGISTRY_LOG" | grep -c "GET /v2/$image/blobs/$digest" || true)
		[ "$n" -eq 1 ] || fail "$image: layer $digest fetched $n times"
	done
	for i in 1 2 3 4; do
		[ "$(local_layer_bytes "$i")" -eq 0 ] || fail "$image: node $i copied layers"
	done
}

test_nodes_race_to_fill_the_store() {
	need
	sshfs_start "$T/shared"
	sshfs_mount "$T/shared2"
	race_to_fill shared/two 2 store
	# an image with a layer kept as an EROFS image only (whiteouts): the same rules
	unmount_layers
	rm -rf "$T"/node[1-4]
	race_to_fill shared/wh 3 store-wh
}

# node 1 publishes IMAGE into a new store per DELAY, killed -9 after DELAY:
# no partial layer under its final name, and node 2's pull after it (not
# waiting for the dead one's lock: 1 min, a hang is a failure) gives LAYERS
# whole layers and leaves no lock
kill_during_publish() { # IMAGE LAYERS DELAY...
	local image=$1 layers=$2 delay pid store
	shift 2
	for delay in "$@"; do
		store=$SHARED_DIR/store-$delay
		mkdir -m 0755 "$store"
		node 1 --shared-store "$store" pull --shared -q "$REGISTRY/$image" >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		expect_whole_layers "" "$store"
		run node_within 60 2 --shared-store "$store" pull --shared -q "$REGISTRY/$image"
		expect_rc 0
		expect_whole_layers "$layers" "$store"
		[ -z "$(find "$store/locks" -name '*.node' 2>/dev/null)" ] ||
			fail "$image: locks left: $(ls "$store/locks")"
	done
}

# kill -9 of a node filling the store, at several points: what it leaves is
# never used, and the next pull (on this node: the dead one's lock is stale
# at once) fills the store
test_kill_9_during_population() {
	need
	sshfs_start "$T/shared"
	local store
	kill_during_publish shared/one 2 0.02 0.05 0.1 0.2 0.4
	store=$SHARED_DIR/store-0.4
	run node 3 --shared-store "$store" --shared-base-layers run --rm \
		"$REGISTRY/shared/one" cat /etc/berth-image
	expect_rc 0
	expect_grep '^shared/one$' "$T/out"
	unmount_layers
}

# kube play and run take --shared-base-layers themselves, as the global one
test_kube_play_and_run_flags() {
	need
	sshfs_start "$T/shared"
	mkdir -m 0755 "$SHARED_DIR/store"
	run node 1 --shared-store "$SHARED_DIR/store" pull --shared -q "$REGISTRY/shared/one"
	expect_rc 0
	cat >"$T/pod.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: inplace
spec:
  hostNetwork: true
  restartPolicy: Never
  containers:
  - name: c
    image: $REGISTRY/shared/one
    command: [cat, /etc/berth-image]
EOF
	run node 2 --shared-store "$SHARED_DIR/store" kube play --shared-base-layers "$T/pod.yaml"
	expect_rc 0
	local i
	for i in $(seq 300); do
		node 2 logs inplace-c 2>/dev/null | grep -q '^shared/one$' && break
		sleep 0.1
	done
	node 2 logs inplace-c | grep -q '^shared/one$' || fail "logs: $(node 2 logs inplace-c 2>&1)"
	[ "$(local_layer_bytes 2)" -eq 0 ] || fail "node 2 copied $(local_layer_bytes 2) bytes of layers"
	# inspect says what the container's layers cost this node
	run node 2 --shared-store "$SHARED_DIR/store" inspect inplace-c
	expect_rc 0
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))[0]["LayersSize"]; assert s["Local"] == 0 and s["SharedInPlace"] > 100000, s' "$T/out" ||
		fail "inspect: $(grep -A3 LayersSize "$T/out")"
	run node 2 kube down "$T/pod.yaml"
	expect_rc 0
	run node 3 --shared-store "$SHARED_DIR/store" run --rm --shared-base-layers=required \
		"$REGISTRY/shared/one" cat /etc/berth-image
	expect_rc 0
	[ "$(local_layer_bytes 3)" -eq 0 ] || fail "node 3 copied $(local_layer_bytes 3) bytes of layers"
	# the command's flag wins over the global one
	run node 4 --shared-store "$SHARED_DIR/store" --shared-base-layers run --rm --shared-base-layers=false \
		"$REGISTRY/shared/one" true
	expect_rc 0
	[ "$(local_layer_bytes 4)" -gt 100000 ] || fail "node 4 did not copy the layers"
	unmount_layers
}

# a shared store this node may only read: its layers are used in place, the
# others are copied locally (a mix per image)
test_read_only_store_mixes() {
	need
	sshfs_start "$T/shared"
	mkdir -m 0755 "$SHARED_DIR/store"
	run node 1 --shared-store "$SHARED_DIR/store" pull --shared -q "$REGISTRY/shared/one"
	expect_rc 0
	mkdir "$T/ro"
	mount --bind "$SHARED_DIR/store" "$T/ro"
	mount -o remount,bind,ro "$T/ro"
	run node 2 --shared-store "$T/ro" --shared-layer-format dir --shared-base-layers run --rm \
		"$REGISTRY/shared/two" cat /etc/berth-image
	local rc_run=$rc
	cp "$T/out" "$T/out.run"
	cp "$T/err" "$T/err.run"
	umount "$T/ro"
	rc=$rc_run
	cp "$T/err.run" "$T/err"
	expect_rc 0
	expect_grep '^shared/two$' "$T/out.run"
	expect_no_grep 'warning' "$T/err.run"
	# shared/two's own layer is local, the base it shares with shared/one is not
	[ "$(find "$T/node2/root/layers" -mindepth 1 -maxdepth 1 -type d | wc -l)" -eq 1 ] ||
		fail "node 2 should hold only shared/two's own layer: $(ls "$T/node2/root/layers")"
	[ "$(local_layer_bytes 2)" -lt 100000 ] || fail "node 2 copied the base layer"
	# and pull --shared into it fails, saying why
	mount --bind "$SHARED_DIR/store" "$T/ro"
	mount -o remount,bind,ro "$T/ro"
	run node 3 --shared-store "$T/ro" pull --shared "$REGISTRY/shared/two"
	umount "$T/ro"
	expect_rc 1
	expect_grep 'Read-only file system' "$T/err"
}

# system prune --shared keeps what any node's image uses and what the
# store's own images name; without --shared it never touches the store
test_prune_keeps_what_nodes_use() {
	need
	sshfs_start "$T/shared"
	local st=$SHARED_DIR/store top
	mkdir -m 0755 "$st"
	run node 1 --shared-store "$st" pull --shared -q "$REGISTRY/shared/one"
	expect_rc 0
	ls "$st/layers" >"$T/before"
	run node 1 --shared-store "$st" pull --shared -q "$REGISTRY/shared/two"
	expect_rc 0
	top=$(ls "$st/layers" | grep -vxF -f "$T/before")
	[ -n "$top" ] || fail "shared/two brought no layer of its own"
	# node 2 uses shared/two; then the store itself drops its record of it
	run node 2 --shared-store "$st" --shared-base-layers pull -q "$REGISTRY/shared/two"
	expect_rc 0
	[ -n "$(find "$st/refs" -name '*.json')" ] || fail "node 2 left no reference"
	run "$BERTH" --root "$st" rmi "$REGISTRY/shared/two"
	expect_rc 0
	touch -d '2 hours ago' "$st/layers/$top"
	run node 3 --shared-store "$st" system prune --shared
	expect_rc 0
	[ -d "$st/layers/$top" ] || fail "prune removed a layer node 2 uses"
	# node 1 (which published it, and holds it too) lets it go: node 2 still uses it
	run node 1 --shared-store "$st" rmi "$REGISTRY/shared/two"
	expect_rc 0
	run node 3 --shared-store "$st" system prune --shared
	expect_rc 0
	[ -d "$st/layers/$top" ] || fail "prune removed a layer node 2 uses"
	# node 2 lets it go: a plain prune still leaves the store alone, --shared does not
	run node 2 --shared-store "$st" rmi "$REGISTRY/shared/two"
	expect_rc 0
	run node 3 --shared-store "$st" system prune
	expect_rc 0
	[ -d "$st/layers/$top" ] || fail "system prune without --shared touched the shared store"
	run node 3 --shared-store "$st" system prune --shared
	expect_rc 0
	expect_grep '^Deleted Shared Layers$' "$T/out"
	expect_grep "^$top\$" "$T/out"
	expect_grep '^Total reclaimed space: ' "$T/out"
	[ ! -e "$st/layers/$top" ] || fail "prune --shared kept an unused layer"
	expect_whole_layers 2
	# shared/one still runs in place
	run node 4 --shared-store "$st" --shared-base-layers run --rm "$REGISTRY/shared/one" cat /etc/berth-image
	expect_rc 0
	expect_grep '^shared/one$' "$T/out"
	unmount_layers
}

# A layer with a whiteout and an opaque directory, which sshfs cannot hold
# (no mknod, no trusted.* xattrs): pull --shared keeps it as its EROFS image
# alone; erofs nodes mount it in place, dir nodes copy that layer only
# (saying so), =required refuses that copy, and kill -9 leaves no partial
# layer.
test_whiteout_layer_kept_as_erofs_only() {
	need
	sshfs_start "$T/shared"
	local st=$SHARED_DIR/store d only="" id
	mkdir -m 0755 "$st"
	run node 1 --shared-store "$st" pull --shared -q "$REGISTRY/shared/wh"
	expect_rc 0
	expect_whole_layers 3 "$st"
	for d in "$st/layers"/*; do
		if grep -q '"erofsOnly": *true' "$d/layer.json"; then
			[ -z "$only" ] || fail "two EROFS-only layers: $only and $d"
			only=$d
		else
			[ -d "$d/diff" ] && [ -f "$d/${d##*/}.erofs" ] || fail "$d: $(ls "$d")"
		fi
	done
	[ -n "$only" ] || fail "no EROFS-only layer: $(ls "$st/layers"/*)"
	id=${only##*/}
	[ "$(local_layer_bytes 1)" -eq 0 ] || fail "node 1 copied $(local_layer_bytes 1) bytes of layers"
	[ -z "$(ls -A "$T/node1/root/tmp")" ] || fail "node 1 left $(ls -A "$T/node1/root/tmp")"

	# an erofs node: in place, the whiteout and the opaque dir at work
	run node 2 --shared-store "$st" --shared-base-layers run --rm "$REGISTRY/shared/wh" \
		sh -c 'ls /etc/a /etc/b; ls /opt/dir'
	expect_rc 0
	expect_grep '^/etc/b$' "$T/out"
	expect_no_grep '/etc/a' "$T/out"
	expect_grep '^z$' "$T/out"
	expect_no_grep '^x$' "$T/out"
	expect_no_grep 'warning' "$T/err"
	[ "$(local_layer_bytes 2)" -eq 0 ] || fail "node 2 copied $(local_layer_bytes 2) bytes of layers"

	# a dir node: that layer only is copied, said once
	run node 3 --shared-store "$st" --shared-layer-format dir --shared-base-layers run --rm \
		"$REGISTRY/shared/wh" sh -c 'ls /etc/a /etc/b; ls /opt/dir'
	expect_grep '^/etc/b$' "$T/out"
	expect_no_grep '/etc/a' "$T/out"
	expect_grep '^z$' "$T/out"
	expect_grep "warning: shared base layers: layer ${id:0:12} is in the shared store only as an EROFS image, and this node uses --shared-layer-format dir; it is copied to the local store" \
		"$T/err"
	[ "$(grep -c warning "$T/err")" -eq 1 ] || fail "not said once: $(cat "$T/err")"
	[ "$(ls "$T/node3/root/layers")" = "$id" ] ||
		fail "node 3 should hold only the EROFS-only layer: $(ls "$T/node3/root/layers")"

	# =required: no local copy, an error
	run node 4 --shared-store "$st" --shared-layer-format dir --shared-base-layers=required \
		run --rm "$REGISTRY/shared/wh" true
	expect_rc 125
	expect_grep "shared base layers are required, but layer ${id:0:12} is in the shared store $st only as an EROFS image" "$T/err"
	[ "$(local_layer_bytes 4)" -eq 0 ] || fail "node 4 copied layers despite =required"
	unmount_layers

	# kill -9 while the EROFS-only layer is made: never a partial layer
	rm -rf "$T/node1" "$T/node2"
	kill_during_publish shared/wh 3 0.05 0.2 0.5
}

# the chain IDs of node N's EROFS mounts, sorted
mounted_layers() { # N
	awk -v p="$T/node$1/root/shared-mounts/" 'index($5, p) == 1 {print substr($5, length(p) + 1)}' \
		/proc/self/mountinfo | sort
}

# EROFS mounts no container uses go: rmi of the last image naming a layer,
# system prune for what no container (running or stopped) uses; a busy
# mount stays, silently
test_unused_erofs_mounts_are_unmounted() {
	need
	sshfs_start "$T/shared"
	local st=$SHARED_DIR/store two base
	mkdir -m 0755 "$st"
	run node 1 --shared-store "$st" pull --shared -q "$REGISTRY/shared/one"
	expect_rc 0
	ls "$st/layers" >"$T/one"
	run node 1 --shared-store "$st" pull --shared -q "$REGISTRY/shared/two"
	expect_rc 0
	two=$(ls "$st/layers" | grep -vxF -f "$T/one")
	run node 2 --shared-store "$st" --shared-base-layers run --name stopped "$REGISTRY/shared/one" true
	expect_rc 0
	run node 2 --shared-store "$st" --shared-base-layers run --rm "$REGISTRY/shared/two" true
	expect_rc 0
	[ "$(mounted_layers 2 | wc -l)" -eq 3 ] || fail "mounted: $(mounted_layers 2)"
	# rmi: shared/two's own layer goes; the base stays (shared/one, a container use it)
	run node 2 --shared-store "$st" rmi "$REGISTRY/shared/two"
	expect_rc 0
	mounted_layers 2 >"$T/mounted"
	[ "$(wc -l <"$T/mounted")" -eq 2 ] || fail "after rmi, mounted: $(cat "$T/mounted")"
	expect_no_grep "$two" "$T/mounted"
	[ ! -e "$T/node2/root/shared-mounts/$two" ] || fail "the mount point of $two stays"
	# prune: the stopped container still uses both
	run node 2 system prune
	expect_rc 0
	expect_no_grep 'Unmounted' "$T/out"
	[ "$(mounted_layers 2 | wc -l)" -eq 2 ] || fail "prune unmounted a stopped container's layers"
	# a busy mount stays, silently
	run node 2 rm stopped
	expect_rc 0
	base=$(mounted_layers 2 | head -1)
	(cd "$T/node2/root/shared-mounts/$base" && exec sleep 30) &
	local busy=$!
	sleep 0.2
	run node 2 system prune
	kill "$busy"
	wait "$busy" 2>/dev/null || true
	expect_rc 0
	[ ! -s "$T/err" ] || fail "prune said: $(cat "$T/err")"
	expect_grep '^Unmounted Shared Layers$' "$T/out"
	[ "$(mounted_layers 2)" = "$base" ] || fail "mounted after prune: $(mounted_layers 2), expected the busy $base"
	run node 2 system prune
	expect_rc 0
	expect_grep "^$base\$" "$T/out"
	[ -z "$(mounted_layers 2)" ] || fail "still mounted: $(mounted_layers 2)"
	# and mounted again when needed
	run node 2 --shared-store "$st" --shared-base-layers run --rm "$REGISTRY/shared/one" cat /etc/berth-image
	expect_rc 0
	expect_grep '^shared/one$' "$T/out"
	unmount_layers
}

# a node that is gone: its references keep layers until it is forgotten
test_forget_dead_node() {
	need
	sshfs_start "$T/shared"
	local st=$SHARED_DIR/store id2 id3 top
	mkdir -m 0755 "$st"
	run node 1 --shared-store "$st" pull --shared -q "$REGISTRY/shared/one"
	expect_rc 0
	ls "$st/layers" >"$T/before"
	run node 1 --shared-store "$st" pull --shared -q "$REGISTRY/shared/two"
	expect_rc 0
	top=$(ls "$st/layers" | grep -vxF -f "$T/before")
	run node 2 --shared-store "$st" --shared-base-layers pull -q "$REGISTRY/shared/two"
	expect_rc 0
	BERTH_SHARED_STORE=$st run node 2 system info --format json
	expect_rc 0
	id2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sharedStore"]["nodeId"])' "$T/out")
	[ -d "$st/refs/$id2" ] || fail "node 2's references are not under refs/$id2: $(ls "$st/refs")"
	BERTH_SHARED_STORE=$st run node 3 system info
	expect_rc 0
	id3=$(sed -n 's/^  nodeId: //p' "$T/out")
	[ -n "$id3" ] && [ "$id3" != "$id2" ] || fail "node 3's ID: '$id3'"
	# a node may not forget itself
	run node 2 --shared-store "$st" system prune --forget-node "$id2"
	[ "$rc" -ne 0 ] || fail "node 2 forgot itself"
	expect_grep "node $id2 is this node" "$T/err"
	[ -d "$st/refs/$id2" ] || fail "node 2's references went"
	# node 2 dies; nobody else uses shared/two's layer
	unmount_layers
	rm -rf "$T/node2"
	run node 1 --shared-store "$st" rmi "$REGISTRY/shared/two"
	expect_rc 0
	run "$BERTH" --root "$st" rmi "$REGISTRY/shared/two"
	expect_rc 0
	touch -d '2 hours ago' "$st/layers/$top"
	run node 3 --shared-store "$st" system prune --shared
	expect_rc 0
	expect_grep '^Nodes Whose References Are Kept$' "$T/out"
	expect_grep "^$id2  *1  *[0-9]* [a-z]* ago  *[^ ]*:$T/node2/root\$" "$T/out"
	[ -d "$st/layers/$top" ] || fail "prune removed a layer node 2's references keep"
	# forgotten (by a prefix): the layer goes with the same prune
	run node 3 --shared-store "$st" system prune --forget-node "${id2:0:8}"
	expect_rc 0
	expect_grep "^Forgotten node: $id2\$" "$T/out"
	expect_grep "^$top\$" "$T/out"
	[ ! -e "$st/refs/$id2" ] || fail "refs/$id2 stays"
	[ ! -e "$st/layers/$top" ] || fail "the layer only node 2 used stays"
	expect_no_grep "$id2" <(sed -n '/^Nodes/,/^Deleted/p' "$T/out")
	# an unknown node is an error
	run node 3 --shared-store "$st" system prune --forget-node abcdef
	[ "$rc" -ne 0 ] || fail "an unknown node was forgotten"
	expect_grep 'no such node' "$T/err"
}

# The EROFS mounts are nodev and nosuid: a layer's device nodes and setuid
# binaries do nothing through the host's mount point. (Rootless berth never
# mounts EROFS: a user namespace cannot; its overlays are nodev by the
# kernel's rule for mounts made in a user namespace. Rootless pulls cannot
# run here: extracting a layer chowns its files to the image's owners.)
test_erofs_mounts_are_nodev_nosuid() {
	need
	sshfs_start "$T/shared"
	local st=$SHARED_DIR/store m n=0
	mkdir -m 0755 "$st"
	run node 1 --shared-store "$st" pull --shared -q "$REGISTRY/shared/wh"
	expect_rc 0
	run node 2 --shared-store "$st" --shared-base-layers pull -q "$REGISTRY/shared/wh"
	expect_rc 0
	for m in "$T/node2/root/shared-mounts"/*; do
		[ -d "$m" ] || continue
		awk -v m="$m" '$5 == m {print $6}' /proc/self/mountinfo | grep -q 'nodev' ||
			fail "$m is not mounted nodev: $(awk -v m="$m" '$5 == m' /proc/self/mountinfo)"
		awk -v m="$m" '$5 == m {print $6}' /proc/self/mountinfo | grep -q 'nosuid' ||
			fail "$m is not mounted nosuid"
		n=$((n + 1))
	done
	# the EROFS-only layer is mounted at pull time, to know it can be
	[ "$n" -ge 1 ] || fail "nothing mounted"
	unmount_layers
}

# save of an image whose layers are used in place: the same bytes as from a
# node that copied them (the tar-splits are on the shared store), loadable
test_save_an_image_used_in_place() {
	need
	sshfs_start "$T/shared"
	local st=$SHARED_DIR/store img fmt
	mkdir -m 0755 "$st"
	run node 1 --shared-store "$st" pull --shared -q "$REGISTRY/shared/wh"
	expect_rc 0
	# node 9 copies every layer: what an archive of the image holds
	run node 9 pull -q "$REGISTRY/shared/wh"
	expect_rc 0
	img=$(cat "$T/out")
	run node 9 save -q -o "$T/copied.tar" "$REGISTRY/shared/wh"
	expect_rc 0
	for fmt in erofs dir; do
		run node 2 --shared-store "$st" --shared-layer-format "$fmt" --shared-base-layers \
			pull -q "$REGISTRY/shared/wh"
		expect_rc 0
		run node 2 --shared-store "$st" --shared-layer-format "$fmt" \
			save -o "$T/$fmt.tar" "$REGISTRY/shared/wh"
		expect_rc 0
		expect_no_grep 'changes\|fresh' "$T/err"
		cmp "$T/copied.tar" "$T/$fmt.tar" || fail "$fmt: the archive differs from a copying node's"
		run node "3$fmt" load -q -i "$T/$fmt.tar"
		expect_rc 0
		run node "3$fmt" images -q --no-trunc
		expect_grep "$img" "$T/out"
		run node 2 rmi -f "$REGISTRY/shared/wh"
		unmount_layers
		rm -rf "$T/node2"
	done
	# without the shared store at hand, the layers are not there: a clear error
	run node 2 --shared-store "$st" --shared-base-layers pull -q "$REGISTRY/shared/wh"
	run node 2 save -o "$T/none.tar" "$REGISTRY/shared/wh"
	expect_rc 1
	expect_grep 'berth: save: layer sha256:.*No such file or directory' "$T/err"
}

run_tests
