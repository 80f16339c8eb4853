#!/usr/bin/env bash
# tests/e2e/test-pull.sh: berth pull, images, image inspect, rmi and system df
# against a real registry (Debian's docker-registry on 127.0.0.1), with images
# the tests build themselves (tests/lib/images.sh), cross-checked with skopeo.
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
. tests/lib/registry.sh
. tests/lib/images.sh
. tests/lib/exit.sh

images_cache_init

need() {
	local m
	m=$(registry_missing; images_missing)
	[ -z "$m" ] || skip "missing: ${m//$'\n'/ }"
}

# berth with its own store and no host registries.conf
b() {
	CONTAINERS_REGISTRIES_CONF=$T/registries.conf "$BERTH" --root "$T/store" "$@"
}

setup() {
	need
	: >"$T/registries.conf"
	registry_start "$@"
}

pull() {
	b pull --tls-verify=false ${REGISTRY_CREDS:+--creds "$REGISTRY_CREDS"} "$@"
}

py() {
	"$BERTH_PYTHON" -c "$@"
}

config_digest() { # REF: the config digest skopeo sees
	registry_skopeo_inspect "$1" --raw |
		py 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])'
}

test_pull_prints_only_the_image_id_and_stores_the_image() {
	setup
	image_busybox test/busybox:1 >/dev/null
	run pull "$REGISTRY/test/busybox:1"
	expect_rc 0
	want=$(config_digest "test/busybox:1")
	[ "$(cat "$T/out")" = "${want#sha256:}" ] || fail "stdout: $(cat "$T/out"), expected ${want#sha256:}"
	expect_grep "^Copying blob " "$T/err"
	run b images
	expect_rc 0
	expect_grep "^$REGISTRY/test/busybox *1 *${want:7:12} " "$T/out"
	run b images --format json
	py 'import json,sys; j=json.load(open(sys.argv[1])); assert j[0]["Names"] == [sys.argv[2]], j; assert j[0]["Size"] > 500000, j' \
		"$T/out" "$REGISTRY/test/busybox:1"
	# podman's template fields, a line per name; "table": a header line
	run b images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	expect_rc 0
	[ "$(cat "$T/out")" = "$REGISTRY/test/busybox:1 ${want:7:12}" ] || fail "images --format: $(cat "$T/out")"
	run b images --no-trunc --format 'table {{.ID}}\t{{.Tag}}'
	expect_grep '^IMAGE ID  *TAG$' "$T/out"
	expect_grep "^${want#sha256:}  1$" "$T/out"
	run b images --format '{{.Tag'
	expect_rc 2
	run b image inspect "test/busybox:1"
	expect_rc 0
	# the layer is unpacked in the store, busybox and its links in place
	layer=$(py 'import json,sys; print(json.load(open(sys.argv[1]))[0]["layers"][0])' "$T/out")
	[ -x "$T/store/layers/$layer/diff/bin/busybox" ] || fail "no bin/busybox in layer $layer"
	[ -L "$T/store/layers/$layer/diff/bin/sh" ] || fail "bin/sh is not a symlink"
	# the first layer's chain id is its diff id
	diff_id=$(registry_skopeo_inspect test/busybox:1 --config | py 'import json,sys; print(json.load(sys.stdin)["rootfs"]["diff_ids"][0])')
	[ "sha256:$layer" = "$diff_id" ] || fail "chain id $layer, diff id $diff_id"
}

test_second_pull_fetches_nothing() {
	setup
	image_busybox test/busybox:1 >/dev/null
	pull -q "$REGISTRY/test/busybox:1" >/dev/null
	run pull "$REGISTRY/test/busybox:1"
	expect_rc 0
	expect_grep "skipped: already exists" "$T/err"
}

test_quiet_prints_the_id_only() {
	setup
	image_busybox test/busybox:1 >/dev/null
	run pull -q "$REGISTRY/test/busybox:1"
	expect_rc 0
	[ ! -s "$T/err" ] || fail "stderr: $(cat "$T/err")"
	grep -qE '^[0-9a-f]{64}$' "$T/out" || fail "stdout: $(cat "$T/out")"
}

test_shared_base_layer_is_stored_once() {
	setup
	image_shared_base test/one test/two >/dev/null
	pull -q "$REGISTRY/test/one:latest" >/dev/null
	run pull "$REGISTRY/test/two:latest"
	expect_rc 0
	expect_grep "skipped: already exists" "$T/err"
	[ "$(ls "$T/store/layers" | wc -l)" -eq 3 ] || fail "layers: $(ls "$T/store/layers")"
}

test_platform_is_chosen_from_an_index() {
	setup
	image_multiarch test/multi:1 >/dev/null
	id=$(pull -q --platform linux/arm64 "$REGISTRY/test/multi:1")
	layer=$(b image inspect "$id" | py 'import json,sys; print(json.load(sys.stdin)[0]["layers"][-1])')
	grep -q arm64 "$T/store/layers/$layer/diff/etc/platform" || fail "not arm64: $(cat "$T/store/layers/$layer/diff/etc/platform")"
	id=$(pull -q --platform linux/arm/v7 "$REGISTRY/test/multi:1")
	layer=$(b image inspect "$id" | py 'import json,sys; print(json.load(sys.stdin)[0]["layers"][-1])')
	grep -q arm/v7 "$T/store/layers/$layer/diff/etc/platform" || fail "not arm/v7"
	run pull --platform linux/s390x "$REGISTRY/test/multi:1"
	expect_rc 1
	expect_grep "linux/s390x" "$T/err"
}

test_whiteouts_become_overlay_whiteouts() {
	setup
	image_whiteouts test/wh:1 >/dev/null
	id=$(pull -q "$REGISTRY/test/wh:1")
	layer=$(b image inspect "$id" | py 'import json,sys; print(json.load(sys.stdin)[0]["layers"][-1])')
	d=$T/store/layers/$layer/diff
	[ -c "$d/etc/a" ] || fail "etc/a is not a whiteout"
	[ "$(stat -c %t:%T "$d/etc/a")" = 0:0 ] || fail "etc/a is not 0/0"
	[ "$(getfattr --only-values -n trusted.overlay.opaque "$d/opt/dir" 2>/dev/null || py 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' "$d/opt/dir")" = y ] ||
		fail "opt/dir is not opaque"
	[ -f "$d/opt/dir/z" ] || fail "no opt/dir/z"
}

test_zstd_and_uncompressed_layers() {
	setup
	command -v zstd >/dev/null || skip "missing: zstd"
	image_zstd test/z:1 >/dev/null
	image_uncompressed test/u:1 >/dev/null
	run pull -q "$REGISTRY/test/z:1"
	expect_rc 0
	run pull -q "$REGISTRY/test/u:1"
	expect_rc 0
}

test_hostile_layers_are_refused_and_leave_nothing() {
	setup
	for kind in traversal symlink-escape symlink-relative hardlink-out; do
		image_hostile "test/evil-$kind:1" "$kind" >/dev/null
		run pull "$REGISTRY/test/evil-$kind:1"
		[ "$rc" -eq 1 ] || fail "$kind: exit $rc"
		expect_grep "test/evil-$kind:1 layer sha256:" "$T/err"
		[ -z "$(ls -A "$T/store/tmp")" ] || fail "$kind: leftovers in tmp: $(ls -A "$T/store/tmp")"
		[ -z "$(ls -A "$T/store/images")" ] || fail "$kind: an image record"
	done
	[ ! -e /evil ] && [ ! -e /etc/evil ] || fail "something landed outside the store"
}

test_basic_auth() {
	setup --htpasswd tester:secret
	image_busybox test/busybox:1 >/dev/null
	run b pull --tls-verify=false "$REGISTRY/test/busybox:1"
	expect_rc 1
	expect_grep "access denied\|refused" "$T/err"
	run b pull -q --tls-verify=false --creds tester:secret "$REGISTRY/test/busybox:1"
	expect_rc 0
	# podman's auth.json
	printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REGISTRY" "$(printf tester:secret | base64)" >"$T/auth.json"
	rm -rf "$T/store"
	run b pull -q --tls-verify=false --authfile "$T/auth.json" "$REGISTRY/test/busybox:1"
	expect_rc 0
}

test_bearer_token_flow() {
	"$BERTH_PYTHON" -c 'import cryptography' 2>/dev/null || skip "missing: python3-cryptography"
	setup --token
	image_busybox test/busybox:1 >/dev/null
	run b pull -q --tls-verify=false "$REGISTRY/test/busybox:1"
	expect_rc 0
	grep -q "GET /token" "$REGISTRY_TOKEN_LOG" || fail "the token service was not asked"
}

test_pull_by_digest() {
	setup
	digest=$(image_busybox test/busybox:1)
	run pull -q "$REGISTRY/test/busybox@$digest"
	expect_rc 0
	bad=sha256:$(printf '%064d' 0)
	run pull "$REGISTRY/test/busybox@$bad"
	expect_rc 1
}

test_rmi_removes_the_image_and_unused_layers_only() {
	setup
	image_shared_base test/one test/two >/dev/null
	one=$(pull -q "$REGISTRY/test/one:latest")
	pull -q "$REGISTRY/test/two:latest" >/dev/null
	run b rmi "$REGISTRY/test/one:latest"
	expect_rc 0
	expect_grep "^Deleted: $one$" "$T/out"
	[ "$(ls "$T/store/layers" | wc -l)" -eq 2 ] || fail "layers left: $(ls "$T/store/layers")"
	run b rmi test/nope
	expect_rc 1
	expect_grep "image not known" "$T/err"
	run b images -q
	[ "$(wc -l <"$T/out")" -eq 1 ] || fail "images left: $(cat "$T/out")"
	run b system df
	expect_grep "^Images *1 " "$T/out"
	expect_grep "^Layers *2 " "$T/out"
}

test_kill_9_at_random_points_converges() {
	setup
	image_big test/big:1 "$T/big" 40 2000 >/dev/null
	for delay in 0.05 0.2 0.5 1.0; do
		pull -q "$REGISTRY/test/big:1" >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	run pull -q "$REGISTRY/test/big:1"
	expect_rc 0
	[ -z "$(ls -A "$T/store/tmp" | grep -v '\.lock$')" ] || fail "leftovers: $(ls -A "$T/store/tmp")"
	for l in "$T"/store/layers/*; do
		[ -f "$l/layer.json" ] || fail "half layer $l"
	done
	[ "$(ls "$T/store/layers" | wc -l)" -eq 3 ] || fail "layers: $(ls "$T/store/layers")"
}

test_concurrent_pulls_share_layers() {
	setup
	image_shared_base test/one test/two >/dev/null
	pull -q "$REGISTRY/test/one:latest" >"$T/a" 2>"$T/ea" &
	a=$!
	pull -q "$REGISTRY/test/two:latest" >"$T/b" 2>"$T/eb" &
	bb=$!
	wait $a || fail "first pull: $(cat "$T/ea")"
	wait $bb || fail "second pull: $(cat "$T/eb")"
	[ "$(ls "$T/store/layers" | wc -l)" -eq 3 ] || fail "layers: $(ls "$T/store/layers")"
	run b images -q
	[ "$(wc -l <"$T/out")" -eq 2 ] || fail "images: $(cat "$T/out")"
}

test_short_names_use_unqualified_search_registries() {
	setup
	image_busybox test/busybox:1 >/dev/null
	printf 'unqualified-search-registries = ["%s"]\n[[registry]]\nlocation = "%s"\ninsecure = true\n' \
		"$REGISTRY" "$REGISTRY" >"$T/registries.conf"
	run b pull -q test/busybox:1
	expect_rc 0
	: >"$T/registries.conf"
	run b pull test/busybox:1
	expect_rc 1
	expect_grep "unqualified-search registries" "$T/err"
}

test_short_name_aliases() {
	setup
	image_busybox test/busybox:1 >/dev/null
	printf '[aliases]\n"mybox" = "%s/test/busybox"\n[[registry]]\nlocation = "%s"\ninsecure = true\n' \
		"$REGISTRY" "$REGISTRY" >"$T/registries.conf"
	run b pull mybox:1
	expect_rc 0
	expect_grep "^Trying to pull $REGISTRY/test/busybox:1\.\.\.$" "$T/err"
}

test_store_writable_by_others_is_refused() {
	mkdir -m 0777 "$T/store"
	chmod 0777 "$T/store"
	run "$BERTH" --root "$T/store" images
	expect_rc 1
	expect_grep "writable by others" "$T/err"
}

test_login_then_pull_then_logout() {
	setup --htpasswd tester:secret
	image_busybox test/busybox:1 >/dev/null
	run b login --tls-verify=false --authfile "$T/auth.json" -u tester -p wrong "$REGISTRY"
	expect_rc 1
	[ ! -e "$T/auth.json" ] || fail "wrong credentials were kept"
	echo secret | b login --tls-verify=false --authfile "$T/auth.json" -u tester --password-stdin "$REGISTRY" >"$T/out" 2>"$T/err" ||
		fail "login: $(cat "$T/err")"
	expect_grep "^Login Succeeded!$" "$T/out"
	[ "$(stat -c %a "$T/auth.json")" = 600 ] || fail "auth.json mode $(stat -c %a "$T/auth.json")"
	# the file podman and skopeo read
	skopeo inspect --tls-verify=false --authfile "$T/auth.json" "docker://$REGISTRY/test/busybox:1" >/dev/null ||
		fail "skopeo does not read the auth file berth wrote"
	run b pull -q --tls-verify=false --authfile "$T/auth.json" "$REGISTRY/test/busybox:1"
	expect_rc 0
	run b logout --authfile "$T/auth.json" "$REGISTRY"
	expect_rc 0
	expect_grep "^Removed login credentials for $REGISTRY$" "$T/out"
	rm -rf "$T/store"
	run b pull --tls-verify=false --authfile "$T/auth.json" "$REGISTRY/test/busybox:1"
	expect_rc 1
}

test_login_with_the_token_flow() {
	"$BERTH_PYTHON" -c 'import cryptography' 2>/dev/null || skip "missing: python3-cryptography"
	setup --token --user tester:secret
	run b login --tls-verify=false --authfile "$T/auth.json" -u tester -p secret "$REGISTRY"
	expect_rc 0
	run b login --tls-verify=false --authfile "$T/auth.json" -u tester -p nope "$REGISTRY"
	expect_rc 1
	expect_grep "refused" "$T/err"
}

# what podman stores for the same images: the same ID, diff ids and files
test_podman_agrees() {
	setup
	command -v podman >/dev/null || skip "missing: podman"
	image_whiteouts test/wh:1 >/dev/null
	id=$(pull -q "$REGISTRY/test/wh:1")
	pm() {
		CONTAINERS_REGISTRIES_CONF=$T/registries.conf podman --root "$T/podman/root" \
			--runroot "$T/podman/run" --storage-driver overlay "$@"
	}
	berth_on_exit "umount -R '$T/podman/root/overlay' 2>/dev/null; true"
	pm pull -q --tls-verify=false "$REGISTRY/test/wh:1" >"$T/pid" 2>"$T/perr" || skip "podman cannot pull here: $(tail -1 "$T/perr")"
	[ "$(cat "$T/pid")" = "$id" ] || fail "podman's ID $(cat "$T/pid"), berth's $id"
	pm image inspect --format '{{range .RootFS.Layers}}{{.}} {{end}}' "$REGISTRY/test/wh:1" >"$T/pdiff"
	b image inspect "$id" >"$T/bi"
	# berth keeps chain ids: the first is the first diff id
	first=$(awk '{print $1}' "$T/pdiff")
	py 'import json,sys; l=json.load(open(sys.argv[1]))[0]["layers"]; assert "sha256:"+l[0] == sys.argv[2], (l, sys.argv[2])' "$T/bi" "$first"
	# the merged tree podman mounts equals berth's layers stacked by overlayfs
	mnt=$(pm image mount "$REGISTRY/test/wh:1")
	lowers=$(py 'import json,sys; l=json.load(open(sys.argv[1]))[0]["layers"]; print(":".join(sys.argv[2]+"/"+x+"/diff" for x in reversed(l)))' "$T/bi" "$T/store/layers")
	mkdir "$T/merged"
	mount -t overlay overlay -o "lowerdir=$lowers" "$T/merged" || skip "overlay mounts are not allowed here"
	# (the root itself is left out: no layer says its mode, and podman's mount point is 0555)
	(cd "$T/merged" && find . -mindepth 1 -printf '%p %m %u %g %s %l\n' | sort) >"$T/berth-tree"
	(cd "$mnt" && find . -mindepth 1 -printf '%p %m %u %g %s %l\n' | sort) >"$T/podman-tree"
	umount "$T/merged"
	pm image unmount "$REGISTRY/test/wh:1" >/dev/null
	diff -u "$T/podman-tree" "$T/berth-tree" >&2 || fail "the trees differ"
	grep -q '^./etc/a ' "$T/berth-tree" && fail "the whiteout of etc/a does not hide it"
	grep -q '^./opt/dir/x ' "$T/berth-tree" && fail "the opaque opt/dir does not hide x"
	grep -q '^./opt/dir/z ' "$T/berth-tree" || fail "no opt/dir/z"
}

test_progress_on_a_terminal() {
	setup
	command -v script >/dev/null || skip "missing: script (bsdutils)"
	image_busybox test/busybox:1 >/dev/null
	CONTAINERS_REGISTRIES_CONF=$T/registries.conf script -qfc \
		"$BERTH --root $T/store pull --tls-verify=false $REGISTRY/test/busybox:1" "$T/tty" >/dev/null
	tr '\r' '\n' <"$T/tty" >"$T/lines"
	expect_grep "^Trying to pull $REGISTRY/test/busybox:1\.\.\.$" "$T/lines"
	# the display is redrawn in place, and its last frame says every blob is done
	grep -q $'\033\\[1A' "$T/tty" || fail "not redrawn in place: $(cat -v "$T/tty" | head -5)"
	last=$(grep 'Copying blob' "$T/lines" | tail -n 1)
	echo "$last" | grep -q "Copying blob [0-9a-f]\{12\} done" || fail "last frame: $last"
	expect_grep "^Writing manifest to image destination$" "$T/lines"
	grep -qE '^[0-9a-f]{64}$' "$T/lines" || fail "no image ID"
}

test_usage_errors() {
	run "$BERTH" --root "$T/store" pull
	expect_rc 2
	run "$BERTH" --root "$T/store" pull --max-parallel 0 x
	expect_rc 2
	run "$BERTH" --root "$T/store" rmi
	expect_rc 2
}

run_tests
