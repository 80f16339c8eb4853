# tests/lib/images.sh: test images built without Docker, pushed to $REGISTRY.
# Sourced by tests/e2e/test-*.sh and bench/ scripts, with tests/lib/registry.sh.
#
# Images are built from Debian's busybox-static with umoci (and, where the
# tars must be exact, tests/lib/mktar.py + tests/lib/push-raw.py), kept as OCI
# layouts in $IMAGES_CACHE, and pushed with `skopeo copy` (or push-raw.py) to
# the registry in $REGISTRY, with $REGISTRY_CREDS when set. Every image_*
# function prints the digest of the manifest (or index) it pushed, and nothing
# else on stdout.
#
#   images_missing                 prints the tools that are missing, if any
#   images_cache_init              sets IMAGES_CACHE to /tmp/berth-images-HASH
#                                  (HASH: tests/lib/* and /bin/busybox) and
#                                  removes it when the last script using it
#                                  exits (BERTH_KEEP_IMAGE_CACHE=1 keeps it);
#                                  call it once at the top of a test script
#   image_busybox NAME[:TAG] [--docker]
#       one layer: /bin/busybox and applet links (sh ls cat echo true false
#       sleep env id hostname mkdir touch rm stat wc grep head printf test
#       kill ps), /etc/passwd and /etc/group (root, user 1000), /tmp, /root,
#       /home/user; Cmd ["sh"], Env PATH, WorkingDir /, label
#       berth.test.image=busybox. --docker: Docker schema2 media types.
#   image_shared_base NAME1 NAME2  two images (:latest) on the same busybox
#                                  layer, each with its own second layer
#                                  holding /etc/berth-image = NAME1 or NAME2
#   image_whiteouts NAME[:TAG]     busybox; /etc/a /etc/b /opt/dir/{x,y};
#                                  then .wh.a in etc/ and an opaque opt/dir/
#                                  holding only z
#   image_zstd NAME[:TAG]          busybox + one more layer, all zstd
#   image_uncompressed NAME[:TAG]  busybox + one more layer, plain tar
#   image_multiarch NAME[:TAG] [--docker]
#       an OCI index (--docker: a Docker manifest list) of linux/amd64,
#       linux/arm64/v8 and linux/arm/v7 images; each is busybox plus
#       /etc/platform holding "linux/amd64" etc. (and a newline)
#   image_hostile NAME[:TAG] KIND  busybox, then a layer with KIND:
#       traversal        ok, ../evil
#       symlink-escape   a -> /etc, a/evil
#       symlink-relative a -> ../../../../../../etc, a/evil
#       hardlink-out     ok, passwd -> hard link to ../../etc/passwd
#       absolute         /evil (Docker takes it as relative: evil)
#       device           dev/evil: character device 1:3
#   image_big NAME[:TAG] CACHEDIR [RANDOM_MB [NFILES]]
#       the benchmark image (~500 MB): busybox, RANDOM_MB (400) of
#       /dev/urandom in /data/random, NFILES (20000) files of 1-8 KiB in
#       /data/small/; built once into CACHEDIR (the caller's, kept there)
#   image_manifest_digest REF      sha256: of the raw manifest at $REGISTRY/REF
#   image_layer_blob KEY           path of the busybox layer blob (KEY=busybox)

IMAGES_LIB_DIR=${IMAGES_LIB_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
BERTH_PYTHON=${BERTH_PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
BUSYBOX=${BUSYBOX:-/bin/busybox}
IMAGES_APPLETS="sh ls cat echo true false sleep env id hostname mkdir touch rm stat wc grep head printf test kill ps"
IMAGES_PATH_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# shellcheck source=tests/lib/exit.sh
. "$IMAGES_LIB_DIR/exit.sh"

images_missing() {
	local c
	for c in skopeo umoci "${BERTH_PYTHON:-python3}" sha256sum flock; do
		command -v "$c" >/dev/null 2>&1 || echo "$c"
	done
	[ -x "$BUSYBOX" ] || echo "$BUSYBOX (busybox-static)"
}

# --- the cache -------------------------------------------------------------

_images_lock() { # run CMD... holding a lock on the cache's parent dir
	flock "${IMAGES_CACHE%/*}" "$@"
}

_images_register() {
	mkdir -p "$IMAGES_CACHE/.users" && : >"$IMAGES_CACHE/.users/$1"
}

_images_unregister() {
	local f pid
	rm -f "$IMAGES_CACHE/.users/$1"
	for f in "$IMAGES_CACHE"/.users/*; do
		[ -e "$f" ] || continue
		pid=${f##*/}
		if kill -0 "$pid" 2>/dev/null; then
			return 0 # still in use
		fi
		rm -f "$f"
	done
	[ "${BERTH_KEEP_IMAGE_CACHE:-0}" = 1 ] || rm -rf "$IMAGES_CACHE"
}

images_cache_init() {
	local hash
	if [ -n "${IMAGES_CACHE:-}" ]; then
		# given by the caller, or by the script this test runs in
		mkdir -p "$IMAGES_CACHE"
		export IMAGES_CACHE
		return 0
	fi
	hash=$(cat "$IMAGES_LIB_DIR"/* "$BUSYBOX" 2>/dev/null | sha256sum | cut -c1-16)
	IMAGES_CACHE="${TMPDIR:-/tmp}/berth-images-$hash"
	export IMAGES_CACHE
	mkdir -p "$IMAGES_CACHE"
	_images_lock "$BASH" -c "$(declare -f _images_register); IMAGES_CACHE='$IMAGES_CACHE' _images_register $BASHPID"
	berth_on_exit _images_cache_release "$BASHPID"
}

_images_cache_release() { # PID
	_images_lock "$BASH" -c "$(declare -f _images_unregister); IMAGES_CACHE='$IMAGES_CACHE' BERTH_KEEP_IMAGE_CACHE='${BERTH_KEEP_IMAGE_CACHE:-0}' _images_unregister $1"
}

# _images_cached DIR KEY BUILDER [ARGS...]: prints DIR/KEY, building it first
# with `BUILDER TMPDIR ARGS...` if it is not there (renamed into place whole,
# so a concurrent or interrupted build never leaves half an image). The
# builder runs in a bash of its own with `set -e` (a caller's `||` or `$(...)`
# would switch errexit off for everything under it).
_images_cached() {
	local dir=$1 key=$2 builder=$3 tmp
	shift 3
	if [ ! -d "$dir/$key" ]; then
		mkdir -p "$dir"
		tmp=$(mktemp -d "$dir/.build-$key.XXXXXX")
		# shellcheck disable=SC2016 # expanded by that bash
		if ! "$BASH" -e -c '. "$1"; shift; "$@"' images.sh "$IMAGES_LIB_DIR/images.sh" \
			"$builder" "$tmp" "$@" >"$tmp.log" 2>&1; then
			echo "images: building $key failed:" >&2
			tail -20 "$tmp.log" >&2
			rm -rf "$tmp" "$tmp.log"
			return 1
		fi
		rm -f "$tmp.log"
		mv -T "$tmp" "$dir/$key" 2>/dev/null || rm -rf "$tmp"
	fi
	echo "$dir/$key"
}

_images_cache_dir() {
	[ -n "${IMAGES_CACHE:-}" ] || { echo "images: call images_cache_init first" >&2; return 1; }
	echo "$IMAGES_CACHE"
}

# every image_* function starts with this: outside any $(...), so that a
# cache made here is released when this (sub)shell exits
_images_need_cache() {
	[ -n "${IMAGES_CACHE:-}" ] || images_cache_init
}

# --- helpers ---------------------------------------------------------------

_images_ref() { # NAME[:TAG] -> "NAME TAG"
	local ref=$1
	case "${ref##*/}" in
	*:*) echo "${ref%:*} ${ref##*:}" ;;
	*) echo "$ref latest" ;;
	esac
}

_umoci_unpack() { # LAYOUT:TAG BUNDLE
	if [ "$(id -u)" = 0 ]; then
		umoci unpack --image "$1" "$2"
	else
		umoci unpack --rootless --image "$1" "$2"
	fi
}

_images_push_layout() { # LAYOUT TAG NAME[:TAG] [skopeo copy args...]
	local layout=$1 src_tag=$2 name tag digestfile
	read -r name tag <<<"$(_images_ref "$3")"
	shift 3
	[ -n "${REGISTRY:-}" ] || { echo "images: REGISTRY is not set (registry_start)" >&2; return 1; }
	digestfile=$(mktemp)
	if ! skopeo --insecure-policy copy -q --dest-tls-verify=false \
		${REGISTRY_CREDS:+--dest-creds "$REGISTRY_CREDS"} "$@" \
		--digestfile "$digestfile" "oci:$layout:$src_tag" "docker://$REGISTRY/$name:$tag" >&2; then
		rm -f "$digestfile"
		echo "images: skopeo copy to $REGISTRY/$name:$tag failed" >&2
		return 1
	fi
	cat "$digestfile"
	echo
	rm -f "$digestfile"
}

_images_push_raw() { # push-raw.py ARGS...
	"$BERTH_PYTHON" "$IMAGES_LIB_DIR/push-raw.py" "$@"
}

_images_mktar() { # OUT SPEC...
	"$BERTH_PYTHON" "$IMAGES_LIB_DIR/mktar.py" "$@"
}

# the path of a blob of an image layout, by the index of its layer
_images_layer_path() { # LAYOUT TAG N
	"$BERTH_PYTHON" - "$@" <<'EOF'
import json, sys
layout, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
blob = lambda d: "%s/blobs/%s" % (layout, d.replace(":", "/"))
for m in json.load(open(layout + "/index.json"))["manifests"]:
    if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
        print(blob(json.load(open(blob(m["digest"])))["layers"][n]["digest"]))
        break
else:
    sys.exit("no tag %s in %s" % (tag, layout))
EOF
}

# --- the busybox base ------------------------------------------------------

_images_build_busybox() { # OUT
	local out=$1 root a
	umoci init --layout "$out/oci"
	umoci new --image "$out/oci:latest"
	_umoci_unpack "$out/oci:latest" "$out/bundle"
	root=$out/bundle/rootfs
	mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/home/user" \
		"$root/dev" "$root/proc" "$root/sys"
	chmod 1777 "$root/tmp"
	chmod 700 "$root/root"
	cp "$BUSYBOX" "$root/bin/busybox"
	chmod 755 "$root/bin/busybox"
	for a in $IMAGES_APPLETS; do
		ln -s busybox "$root/bin/$a"
	done
	printf '%s\n' "root:x:0:0:root:/root:/bin/sh" "user:x:1000:1000:user:/home/user:/bin/sh" \
		>"$root/etc/passwd"
	printf '%s\n' "root:x:0:" "user:x:1000:" >"$root/etc/group"
	if [ "$(id -u)" = 0 ]; then
		chown 1000:1000 "$root/home/user"
	fi
	umoci repack --image "$out/oci:latest" "$out/bundle"
	umoci config --image "$out/oci:latest" --created 2024-01-01T00:00:00Z \
		--config.cmd sh --config.env "$IMAGES_PATH_ENV" --config.workingdir / \
		--config.label berth.test.image=busybox
	umoci gc --layout "$out/oci"
	rm -rf "$out/bundle"
	# the layer blob, for images put together by push-raw.py
	ln "$(_images_layer_path "$out/oci" latest 0)" "$out/layer.tar.gz"
}

_images_busybox() { # prints the busybox cache dir
	_images_cached "$(_images_cache_dir)" busybox _images_build_busybox
}

image_layer_blob() { # KEY
	_images_need_cache
	case "$1" in
	busybox) echo "$(_images_busybox)/layer.tar.gz" ;;
	*) echo "image_layer_blob: unknown key $1" >&2; return 1 ;;
	esac
}

image_busybox() { # NAME[:TAG] [--docker]
	local bb
	_images_need_cache
	bb=$(_images_busybox) || return 1
	if [ "${2:-}" = --docker ]; then
		_images_push_layout "$bb/oci" latest "$1" --format v2s2
	else
		_images_push_layout "$bb/oci" latest "$1"
	fi
}

# --- images with a layer on top of busybox (umoci) -----------------------------

# OUT NAME: busybox plus a layer holding /etc/berth-image = NAME
_images_build_on_busybox() {
	local out=$1 name=$2 bb
	bb=$(_images_busybox) || return 1
	cp -a "$bb/oci" "$out/oci"
	_umoci_unpack "$out/oci:latest" "$out/bundle"
	printf '%s\n' "$name" >"$out/bundle/rootfs/etc/berth-image"
	umoci repack --image "$out/oci:latest" "$out/bundle"
	umoci config --image "$out/oci:latest" --created 2024-01-01T00:00:00Z \
		--config.label "berth.test.image=$name"
	umoci gc --layout "$out/oci"
	rm -rf "$out/bundle"
}

image_shared_base() { # NAME1 NAME2
	local n dir
	_images_need_cache
	for n in "$1" "$2"; do
		dir=$(_images_cached "$(_images_cache_dir)" "on-busybox-${n//\//_}" _images_build_on_busybox "$n") || return 1
		_images_push_layout "$dir/oci" latest "$n" || return 1
	done
}

image_zstd() { # NAME[:TAG]
	local dir
	_images_need_cache
	dir=$(_images_cached "$(_images_cache_dir)" on-busybox-zstd _images_build_on_busybox zstd) || return 1
	_images_push_layout "$dir/oci" latest "$1" --dest-compress-format zstd
}

# --- images put together byte by byte (mktar.py + push-raw.py) ---------------

_images_build_tar() { # OUT SPEC...: OUT/layer.tar
	local out=$1
	shift
	_images_mktar "$out/layer.tar" "$@"
}

_images_tar() { # KEY SPEC... -> prints the path of the cached tar
	local key=$1 dir
	shift
	dir=$(_images_cached "$(_images_cache_dir)" "tar-$key" _images_build_tar "$@") || return 1
	echo "$dir/layer.tar"
}

_images_busybox_tar() { # the busybox layer, uncompressed
	local bb
	bb=$(_images_busybox) || return 1
	[ -f "$bb/layer.tar" ] || {
		gzip -dc "$bb/layer.tar.gz" >"$bb/layer.tar.$$" && mv "$bb/layer.tar.$$" "$bb/layer.tar"
	}
	echo "$bb/layer.tar"
}

image_whiteouts() { # NAME[:TAG]
	local base top
	_images_need_cache
	base=$(_images_tar whiteouts-base dir=etc file=etc/a=a file=etc/b=b \
		dir=opt dir=opt/dir file=opt/dir/x=x file=opt/dir/y=y) || return 1
	top=$(_images_tar whiteouts-top dir=etc whiteout=etc/a \
		dir=opt dir=opt/dir opaque=opt/dir file=opt/dir/z=z) || return 1
	_images_push_raw "$1" "$(image_layer_blob busybox)" "$base" "$top"
}

image_uncompressed() { # NAME[:TAG]
	local bb top
	_images_need_cache
	bb=$(_images_busybox_tar) || return 1
	top=$(_images_tar uncompressed dir=etc "file=etc/berth-image=uncompressed
") || return 1
	_images_push_raw --compress none "$1" "$bb" "$top"
}

image_multiarch() { # NAME[:TAG] [--docker]
	local name tag p layer digests=() d docker=()
	_images_need_cache
	read -r name tag <<<"$(_images_ref "$1")"
	[ "${2:-}" = --docker ] && docker=(--docker)
	for p in linux/amd64 linux/arm64/v8 linux/arm/v7; do
		layer=$(_images_tar "platform-${p//\//-}" dir=etc "file=etc/platform=$p
") || return 1
		d=$(_images_push_raw "${docker[@]}" --platform "$p" "$name@" \
			"$(image_layer_blob busybox)" "$layer") || return 1
		digests+=("$d")
	done
	_images_push_raw "${docker[@]}" --index "$name:$tag" "${digests[@]}"
}

image_hostile() { # NAME[:TAG] KIND
	local specs layer
	_images_need_cache
	case "$2" in
	traversal) specs=("file=ok=ok" "file=../evil=evil") ;;
	symlink-escape) specs=("symlink=a=/etc" "file=a/evil=evil") ;;
	symlink-relative) specs=("symlink=a=../../../../../../etc" "file=a/evil=evil") ;;
	hardlink-out) specs=("file=ok=ok" "hardlink=passwd=../../etc/passwd") ;;
	absolute) specs=("file=/evil=evil") ;;
	device) specs=("dir=dev" "char=dev/evil=1:3") ;;
	*) echo "image_hostile: unknown kind $2 (traversal symlink-escape symlink-relative hardlink-out absolute device)" >&2; return 2 ;;
	esac
	layer=$(_images_tar "hostile-$2" "${specs[@]}") || return 1
	_images_push_raw "$1" "$(image_layer_blob busybox)" "$layer"
}

# --- the benchmark image -----------------------------------------------------

_images_build_big() { # OUT RANDOM_MB NFILES
	local out=$1 mb=$2 nfiles=$3 bb
	bb=$(_images_busybox) || return 1
	cp -a "$bb/oci" "$out/oci"
	_umoci_unpack "$out/oci:latest" "$out/bundle"
	mkdir -p "$out/bundle/rootfs/data"
	head -c "${mb}M" /dev/urandom >"$out/bundle/rootfs/data/random"
	umoci repack --refresh-bundle --image "$out/oci:latest" "$out/bundle"
	"$BERTH_PYTHON" - "$out/bundle/rootfs/data/small" "$nfiles" <<'EOF'
import os, random, sys
top, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
for i in range(n):
    d = os.path.join(top, "%03d" % (i // 200))
    if i % 200 == 0:
        os.makedirs(d, exist_ok=True)
    size = rng.randint(1024, 8192)
    # half random, half text: compresses like real files do, roughly
    data = os.urandom(size // 4).hex().encode()[: size // 2]
    data += (b"berth small file %d\n" % i) * (size // 2 // 20 + 1)
    with open(os.path.join(d, "f%05d" % i), "wb") as f:
        f.write(data[:size])
EOF
	umoci repack --image "$out/oci:latest" "$out/bundle"
	umoci config --image "$out/oci:latest" --created 2024-01-01T00:00:00Z \
		--config.label berth.test.image=big
	umoci gc --layout "$out/oci"
	rm -rf "$out/bundle"
}

image_big() { # NAME[:TAG] CACHEDIR [RANDOM_MB [NFILES]]
	local mb=${3:-400} nfiles=${4:-20000} dir
	_images_need_cache
	[ -n "${2:-}" ] || { echo "image_big: give a cache dir" >&2; return 2; }
	dir=$(_images_cached "$2" "big-$mb-$nfiles" _images_build_big "$mb" "$nfiles") || return 1
	_images_push_layout "$dir/oci" latest "$1"
}

# --- looking at what was pushed ----------------------------------------------

image_manifest_digest() { # REF (NAME:TAG or NAME@DIGEST)
	local raw
	raw=$(mktemp)
	if ! skopeo inspect --raw --tls-verify=false ${REGISTRY_CREDS:+--creds "$REGISTRY_CREDS"} \
		"docker://$REGISTRY/$1" >"$raw"; then
		rm -f "$raw"
		return 1
	fi
	echo "sha256:$(sha256sum <"$raw" | cut -d' ' -f1)"
	rm -f "$raw"
}
