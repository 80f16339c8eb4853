#!/usr/bin/env bash
# tests/e2e/test-save-load.sh: berth save and berth load, with images pulled
# from a real registry (tests/lib/registry.sh, tests/lib/images.sh), each test
# in its own --root. Cross-checked with the real peers: skopeo reads berth's
# archives, podman loads them to the same image IDs, and berth loads podman's.
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

# podman with its own store (vfs: no mounts to clean up)
pm() {
	CONTAINERS_REGISTRIES_CONF=$T/registries.conf podman --root "$T/podman/root" \
		--runroot "$T/podman/run" --storage-driver vfs "$@"
}

need_podman() {
	command -v podman >/dev/null || skip "missing: podman"
}

setup() {
	need
	: >"$T/registries.conf"
	registry_start
}

pull() {
	b pull -q --tls-verify=false "$@"
}

py() {
	"$BERTH_PYTHON" -c "$@"
}

# the diff ids of an archive, as skopeo reads them (TRANSPORT:FILE)
skopeo_layers() {
	skopeo inspect "$1" | py 'import json,sys; print(" ".join(json.load(sys.stdin)["Layers"]))'
}

store_is_clean() {
	[ -z "$(ls -A "$T/store/tmp")" ] || fail "leftovers in tmp: $(ls -A "$T/store/tmp")"
	[ -z "$(ls -A "$T/store/layers")" ] || fail "layers left: $(ls -A "$T/store/layers")"
	[ -z "$(ls -A "$T/store/images")" ] || fail "an image record: $(ls -A "$T/store/images")"
}

test_docker_archive_round_trip() {
	setup
	image_shared_base test/one test/two >/dev/null
	id=$(pull "$REGISTRY/test/one:latest")
	run b save -o "$T/one.tar" "$REGISTRY/test/one:latest"
	expect_rc 0
	expect_grep "^Copying blob [0-9a-f]\{12\} done$" "$T/err"
	expect_grep "^Writing manifest to image destination$" "$T/err"
	[ -s "$T/one.tar" ] || fail "no archive"
	# the layers are the tars the registry's blobs hold, uncompressed: same diff ids
	want=$(registry_skopeo_inspect test/one:latest | py 'import json,sys; print(" ".join(json.load(sys.stdin)["Layers"]))')
	[ -n "$want" ] || fail "skopeo saw no layers in the registry"
	got=$(skopeo inspect --config "docker-archive:$T/one.tar" | py 'import json,sys; print(" ".join(json.load(sys.stdin)["rootfs"]["diff_ids"]))')
	layers=$(skopeo_layers "docker-archive:$T/one.tar")
	[ "$got" = "$layers" ] || fail "skopeo: config diff ids $got, layers $layers"
	py 'import json,sys
m = json.load(open(sys.argv[1]))
assert len(m) == 1 and m[0]["RepoTags"] == [sys.argv[2]], m
assert m[0]["Config"] == sys.argv[3] + ".json", m' <(tar -xOf "$T/one.tar" manifest.json) "$REGISTRY/test/one:latest" "$id"
	run b rmi "$REGISTRY/test/one:latest"
	expect_rc 0
	store_is_clean
	run b load -i "$T/one.tar"
	expect_rc 0
	[ "$(cat "$T/out")" = "Loaded image: $REGISTRY/test/one:latest" ] || fail "stdout: $(cat "$T/out")"
	run b images -q --no-trunc
	grep -q "$id" "$T/out" || fail "image $id not back: $(cat "$T/out")"
	# a second save of the loaded image gives the same archive, byte for byte
	b save -q -o "$T/again.tar" "$REGISTRY/test/one:latest"
	cmp "$T/one.tar" "$T/again.tar" || fail "the archive of the loaded image differs"
	[ -z "$(ls -A "$T/store/tmp")" ] || fail "leftovers in tmp: $(ls -A "$T/store/tmp")"
}

test_oci_archive_round_trip() {
	setup
	image_busybox test/busybox:1 >/dev/null
	id=$(pull "$REGISTRY/test/busybox:1")
	run b save --format oci-archive -o "$T/bb.tar" "$REGISTRY/test/busybox:1"
	expect_rc 0
	tar -tf "$T/bb.tar" >"$T/list"
	expect_grep "^oci-layout$" "$T/list"
	expect_grep "^index.json$" "$T/list"
	py 'import json,sys
i = json.load(open(sys.argv[1]))
assert i["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"] == sys.argv[2], i' \
		<(tar -xOf "$T/bb.tar" index.json) "$REGISTRY/test/busybox:1"
	# uncompressed layers: their digests are the diff ids
	cfg=$(skopeo inspect --config "oci-archive:$T/bb.tar" | py 'import json,sys; print(" ".join(json.load(sys.stdin)["rootfs"]["diff_ids"]))')
	[ "$cfg" = "$(skopeo_layers "oci-archive:$T/bb.tar")" ] || fail "layer digests are not the diff ids"
	skopeo inspect --raw "oci-archive:$T/bb.tar" | grep -q 'application/vnd.oci.image.layer.v1.tar"' ||
		fail "layers are not application/vnd.oci.image.layer.v1.tar"
	b rmi "$REGISTRY/test/busybox:1" >/dev/null
	run b load -q -i "$T/bb.tar"
	expect_rc 0
	expect_grep "^Loaded image: $REGISTRY/test/busybox:1$" "$T/out"
	[ ! -s "$T/err" ] || fail "-q: stderr: $(cat "$T/err")"
	run b images -q --no-trunc
	grep -q "$id" "$T/out" || fail "image $id not back"
}

test_several_images_in_one_archive() {
	setup
	image_shared_base test/one test/two >/dev/null
	one=$(pull "$REGISTRY/test/one:latest")
	two=$(pull "$REGISTRY/test/two:latest")
	run b save -m -o "$T/both.tar" "$REGISTRY/test/one:latest" "$REGISTRY/test/two:latest"
	expect_rc 0
	# the shared base layer once: 3 layer tars for 4 layers
	[ "$(tar -tf "$T/both.tar" | grep -c '^[0-9a-f]\{64\}\.tar$')" -eq 3 ] ||
		fail "layers: $(tar -tf "$T/both.tar")"
	run b save --format oci-archive -o "$T/x.tar" "$REGISTRY/test/one:latest" "$REGISTRY/test/two:latest"
	expect_rc 2
	expect_grep "one image" "$T/err"
	b rmi "$REGISTRY/test/one:latest" >/dev/null
	b rmi "$REGISTRY/test/two:latest" >/dev/null
	run b load -i "$T/both.tar"
	expect_rc 0
	expect_grep "^Loaded image: $REGISTRY/test/one:latest$" "$T/out"
	expect_grep "^Loaded image: $REGISTRY/test/two:latest$" "$T/out"
	b images -q --no-trunc >"$T/ids"
	grep -q "$one" "$T/ids" && grep -q "$two" "$T/ids" || fail "ids: $(cat "$T/ids")"
	[ "$(ls "$T/store/layers" | wc -l)" -eq 3 ] || fail "layers: $(ls "$T/store/layers")"
}

test_stdout_and_stdin_streams() {
	setup
	image_busybox test/busybox:1 >/dev/null
	id=$(pull "$REGISTRY/test/busybox:1")
	# through pipes both ways, compressed on the way
	b save -q "$REGISTRY/test/busybox:1" | gzip -c >"$T/bb.tar.gz"
	gzip -t "$T/bb.tar.gz" || fail "not a gzip stream"
	b rmi "$REGISTRY/test/busybox:1" >/dev/null
	gzip -dc "$T/bb.tar.gz" | b load >"$T/out" 2>"$T/err" || fail "load from a pipe: $(cat "$T/err")"
	expect_grep "^Loaded image: $REGISTRY/test/busybox:1$" "$T/out"
	b rmi "$REGISTRY/test/busybox:1" >/dev/null
	run b load -i "$T/bb.tar.gz"
	expect_rc 0
	if command -v zstd >/dev/null; then
		gzip -dc "$T/bb.tar.gz" | zstd -q -c >"$T/bb.tar.zst"
		b rmi "$REGISTRY/test/busybox:1" >/dev/null
		b load <"$T/bb.tar.zst" >"$T/out" 2>"$T/err" || fail "zstd archive: $(cat "$T/err")"
	fi
	b images -q --no-trunc | grep -q "$id" || fail "image not back"
	[ -z "$(ls -A "$T/store/tmp")" ] || fail "the copy of the archive was left: $(ls -A "$T/store/tmp")"
}

test_podman_loads_berth_archives() {
	setup
	need_podman
	image_shared_base test/one test/two >/dev/null
	id=$(pull "$REGISTRY/test/one:latest")
	b save -q -o "$T/d.tar" "$REGISTRY/test/one:latest"
	b save -q --format oci-archive -o "$T/o.tar" "$REGISTRY/test/one:latest"
	pm load -q -i "$T/d.tar" >"$T/out" 2>"$T/err" || skip "podman cannot load here: $(tail -1 "$T/err")"
	pid=$(pm images -q --no-trunc "$REGISTRY/test/one:latest")
	[ "$pid" = "sha256:$id" ] || fail "docker-archive: podman's ID $pid, berth's $id"
	pm rmi -a -f >/dev/null 2>&1
	pm load -q -i "$T/o.tar" >"$T/out" 2>"$T/err" || fail "podman load oci-archive: $(cat "$T/err")"
	pid=$(pm images -q --no-trunc "$REGISTRY/test/one:latest")
	[ "$pid" = "sha256:$id" ] || fail "oci-archive: podman's ID $pid, berth's $id"
}

test_berth_loads_podman_archives() {
	setup
	need_podman
	image_shared_base test/one test/two >/dev/null
	pm pull -q --tls-verify=false "$REGISTRY/test/two:latest" >"$T/pid" 2>"$T/perr" ||
		skip "podman cannot pull here: $(tail -1 "$T/perr")"
	pid=$(cat "$T/pid")
	pm save -o "$T/d.tar" "$REGISTRY/test/two:latest" 2>/dev/null
	pm save --format oci-archive -o "$T/o.tar" "$REGISTRY/test/two:latest" 2>/dev/null
	run b load -i "$T/d.tar"
	expect_rc 0
	expect_grep "^Loaded image: $REGISTRY/test/two:latest$" "$T/out"
	b images -q --no-trunc | grep -q "^$pid$" || fail "docker-archive: not podman's ID $pid: $(b images -q --no-trunc)"
	# the manifest podman makes up for a docker-archive: the same bytes, so the same digest
	rm -rf "$T/podman"
	pm load -q -i "$T/d.tar" >/dev/null 2>&1
	pdigest=$(pm images --digests --format '{{.Digest}}' "$REGISTRY/test/two:latest" | head -1)
	b image inspect "$pid" | grep -q "\"digest\": \"$pdigest\"" || fail "manifest digest: podman $pdigest, berth: $(b image inspect "$pid" | grep '"digest"')"
	rm -rf "$T/store"
	# podman's oci-archive has gzip layers: checked against their digests and diff ids
	run b load -i "$T/o.tar"
	expect_rc 0
	expect_grep "^Loaded image: $REGISTRY/test/two:latest$" "$T/out"
	b images -q --no-trunc | grep -q "^$pid$" || fail "oci-archive: not podman's ID $pid"
	# and what berth saves of it is what podman saves, byte for byte
	b save -q -o "$T/b.tar" "$REGISTRY/test/two:latest"
	cmp "$T/b.tar" "$T/d.tar" || fail "berth's docker-archive differs from podman's"
}

test_names_from_an_oci_index() {
	setup
	image_busybox test/busybox:1 >/dev/null
	id=$(pull "$REGISTRY/test/busybox:1")
	b save -q --format oci-archive -o "$T/o.tar" "$id"
	# saved by ID: no name in the archive, and loaded without one
	tar -xOf "$T/o.tar" index.json | grep -q ref.name && fail "a name in an archive saved by ID"
	rm -rf "$T/store"
	run b load -i "$T/o.tar"
	expect_rc 0
	[ "$(cat "$T/out")" = "Loaded image: sha256:$id" ] || fail "stdout: $(cat "$T/out")"
	# a bare tag as ref.name is localhost/TAG:latest, as podman names it
	skopeo copy -q "oci-archive:$T/o.tar" "oci-archive:$T/tag.tar:1.0"
	run b load -i "$T/tag.tar"
	expect_rc 0
	expect_grep "^Loaded image: localhost/1.0:latest$" "$T/out"
}

# Docker 25's archives: the OCI layout with a manifest.json beside it
test_docker_25_layout() {
	setup
	image_busybox test/busybox:1 >/dev/null
	id=$(pull "$REGISTRY/test/busybox:1")
	# an OCI layout with gzip layers, as Docker 25 writes, made from the registry's blobs
	skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/test/busybox:1" "oci:$T/layout:1"
	py 'import json, os, sys
top = sys.argv[1]
idx = json.load(open(top + "/index.json"))
d = idx["manifests"][0]
d["annotations"] = {"io.containerd.image.name": "docker.io/library/mybox:25",
                    "org.opencontainers.image.ref.name": "25"}
json.dump(idx, open(top + "/index.json", "w"))
blob = lambda x: "blobs/sha256/" + x.split(":")[1]
m = json.load(open(top + "/" + blob(d["digest"])))
json.dump([{"Config": blob(m["config"]["digest"]), "RepoTags": ["mybox:25"],
            "Layers": [blob(l["digest"]) for l in m["layers"]]}], open(top + "/manifest.json", "w"))' "$T/layout"
	tar -C "$T/layout" -cf "$T/d25.tar" .
	run b load -i "$T/d25.tar"
	expect_rc 0
	expect_grep "^Loaded image: docker.io/library/mybox:25$" "$T/out"
	b images -q --no-trunc | grep -q "$id" || fail "not the image"
	# without the OCI index: manifest.json alone, its layers gzip blobs
	rm -rf "$T/store"
	rm "$T/layout/index.json" "$T/layout/oci-layout"
	tar -C "$T/layout" -cf "$T/d25-docker.tar" .
	run b load -i "$T/d25-docker.tar"
	expect_rc 0
	expect_grep "^Loaded image: docker.io/library/mybox:25$" "$T/out"
	b images -q --no-trunc | grep -q "$id" || fail "not the image from manifest.json"
}

# flip one byte of the busybox binary inside the first layer of archive $1
corrupt_layer() {
	py 'import sys, tarfile
path, member = sys.argv[1], sys.argv[2]
outer = tarfile.open(path)
m = outer.getmember(member)
while m.issym():
    m = outer.getmember(m.linkname.replace("../", ""))
f = outer.extractfile(m)
inner = tarfile.open(fileobj=f)
bb = [x for x in inner.getmembers() if x.name.endswith("bin/busybox")][0]
off = m.offset_data + bb.offset_data + 1000
with open(path, "r+b") as out:
    out.seek(off)
    c = out.read(1)
    out.seek(off)
    out.write(bytes([c[0] ^ 0xff]))' "$@"
}

test_corrupted_layer_is_refused_and_leaves_nothing() {
	setup
	image_busybox test/busybox:1 >/dev/null
	pull "$REGISTRY/test/busybox:1" >/dev/null
	b save -q -o "$T/d.tar" "$REGISTRY/test/busybox:1"
	b save -q --format oci-archive -o "$T/o.tar" "$REGISTRY/test/busybox:1"
	rm -rf "$T/store"
	layer=$(tar -xOf "$T/d.tar" manifest.json | py 'import json,sys; print(json.load(sys.stdin)[0]["Layers"][0])')
	corrupt_layer "$T/d.tar" "$layer"
	run b load -i "$T/d.tar"
	expect_rc 1
	expect_grep "layer sha256:[0-9a-f]*: diff-id mismatch: got sha256:" "$T/err"
	store_is_clean
	blob=$(tar -xOf "$T/o.tar" index.json | py 'import json,sys; print("blobs/sha256/" + json.load(sys.stdin)["manifests"][0]["digest"][7:])')
	layer=$(tar -xOf "$T/o.tar" "$blob" | py 'import json,sys; print("blobs/sha256/" + json.load(sys.stdin)["layers"][0]["digest"][7:])')
	corrupt_layer "$T/o.tar" "$layer"
	# from a pipe too: the copy under tmp/ goes with the failure
	cat "$T/o.tar" | b load >"$T/out" 2>"$T/err" && fail "a corrupted oci-archive was loaded"
	expect_grep "digest mismatch" "$T/err"
	store_is_clean
	printf 'not an archive at all' >"$T/junk.tar"
	run b load -i "$T/junk.tar"
	expect_rc 1
	store_is_clean
}

test_kill_9_during_load_converges() {
	setup
	image_big test/big:1 "$T/big" 40 2000 >/dev/null
	id=$(pull "$REGISTRY/test/big:1")
	b save -q -o "$T/big.tar" "$REGISTRY/test/big:1"
	rm -rf "$T/store"
	for delay in 0.05 0.2 0.5 1.0; do
		# from a pipe: the copy of the archive under tmp/ is cut short too
		cat "$T/big.tar" | b load -q >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	run b load -i "$T/big.tar"
	expect_rc 0
	b images -q --no-trunc | grep -q "^$id$" || fail "not the image"
	[ -z "$(ls -A "$T/store/tmp" | grep -v '\.lock$')" ] || fail "leftovers: $(ls -A "$T/store/tmp")"
	for l in "$T"/store/layers/*; do
		[ -f "$l/layer.json" ] || fail "half layer $l"
	done
	b save -q -o "$T/again.tar" "$REGISTRY/test/big:1"
	cmp "$T/big.tar" "$T/again.tar" || fail "the image changed"
}

test_hostile_archives_are_refused() {
	setup
	py 'import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w")
data = b"[{\"Config\": \"../../etc/passwd\", \"RepoTags\": [], \"Layers\": []}]"
i = tarfile.TarInfo("manifest.json"); i.size = len(data); t.addfile(i, io.BytesIO(data))
t.close()
t = tarfile.open(sys.argv[2], "w")
i = tarfile.TarInfo("../escape"); i.size = 1; t.addfile(i, io.BytesIO(b"x"))
t.close()' "$T/config-escape.tar" "$T/member-escape.tar"
	run b load -i "$T/config-escape.tar"
	expect_rc 1
	expect_grep "'..' is not allowed" "$T/err"
	run b load -i "$T/member-escape.tar"
	expect_rc 1
	expect_grep "'..' is not allowed" "$T/err"
	store_is_clean
}

test_layer_without_tar_split_gets_a_new_tar() {
	setup
	image_busybox test/busybox:1 >/dev/null
	id=$(pull "$REGISTRY/test/busybox:1")
	rm "$T"/store/layers/*/tar-split.zst
	run b save -q -o "$T/d.tar" "$REGISTRY/test/busybox:1"
	expect_rc 0
	expect_grep "warning: .*the image ID changes to [0-9a-f]\{64\}" "$T/err"
	new=$(sed -n 's/.*the image ID changes to \([0-9a-f]\{64\}\).*/\1/p' "$T/err")
	[ "$new" != "$id" ] || fail "the ID did not change"
	skopeo inspect "docker-archive:$T/d.tar" >/dev/null || fail "skopeo cannot read the archive"
	rm -rf "$T/store"
	run b load -i "$T/d.tar"
	expect_rc 0
	b images -q --no-trunc | grep -q "^$new$" || fail "loaded as $(b images -q --no-trunc), expected $new"
	# the fresh tar round-trips as any other: the loaded image saves as it came
	b save -q -o "$T/again.tar" "$REGISTRY/test/busybox:1"
	cmp "$T/d.tar" "$T/again.tar" || fail "the second archive differs"
	if command -v podman >/dev/null && pm load -q -i "$T/d.tar" >/dev/null 2>&1; then
		[ "$(pm images -q --no-trunc "$REGISTRY/test/busybox:1")" = "sha256:$new" ] ||
			fail "podman loads it as $(pm images -q --no-trunc)"
	fi
}

test_changed_layer_files_get_a_new_tar() {
	setup
	image_busybox test/busybox:1 >/dev/null
	id=$(pull "$REGISTRY/test/busybox:1")
	# a file of the layer is no longer what its tar held: the rebuild stops halfway
	layer=$(ls "$T/store/layers")
	echo "changed" >>"$T/store/layers/$layer/diff/etc/passwd"
	run b save -o "$T/d.tar" "$REGISTRY/test/busybox:1"
	expect_rc 0
	expect_grep "warning: .*the image ID changes to .*etc/passwd" "$T/err"
	new=$(sed -n 's/.*the image ID changes to \([0-9a-f]\{64\}\).*/\1/p' "$T/err")
	rm -rf "$T/store"
	run b load -i "$T/d.tar"
	expect_rc 0
	b images -q --no-trunc | grep -q "^$new$" || fail "loaded as $(b images -q --no-trunc), expected $new"
	layer=$(ls "$T/store/layers")
	grep -q "^changed$" "$T/store/layers/$layer/diff/etc/passwd" || fail "the change is not in the new tar"
}

test_whiteouts_survive_a_fresh_tar() {
	setup
	image_whiteouts test/wh:1 >/dev/null
	pull "$REGISTRY/test/wh:1" >/dev/null
	rm "$T"/store/layers/*/tar-split.zst
	b save -q -o "$T/d.tar" "$REGISTRY/test/wh:1" 2>/dev/null
	top=$(tar -xOf "$T/d.tar" manifest.json | py 'import json,sys; print(json.load(sys.stdin)[0]["Layers"][-1])')
	tar -xOf "$T/d.tar" "$top" | tar -t >"$T/list"
	expect_grep "^etc/\.wh\.a$" "$T/list"
	expect_grep "^opt/dir/\.wh\.\.wh\.\.opq$" "$T/list"
	rm -rf "$T/store"
	run b load -i "$T/d.tar"
	expect_rc 0
	layer=$(b image inspect "$REGISTRY/test/wh:1" | py 'import json,sys; print(json.load(sys.stdin)[0]["layers"][-1])')
	d=$T/store/layers/$layer/diff
	[ -c "$d/etc/a" ] || fail "etc/a is not a whiteout after the round trip"
	[ -f "$d/opt/dir/z" ] || fail "no opt/dir/z"
}

test_refuses_a_terminal() {
	setup
	command -v script >/dev/null || skip "missing: script (bsdutils)"
	image_busybox test/busybox:1 >/dev/null
	pull "$REGISTRY/test/busybox:1" >/dev/null
	CONTAINERS_REGISTRIES_CONF=$T/registries.conf script -qefc \
		"$BERTH --root $T/store save $REGISTRY/test/busybox:1" "$T/tty" >/dev/null 2>&1 && fail "wrote to a terminal"
	grep -q "refusing to write an archive to a terminal" "$T/tty" || fail "tty: $(cat -v "$T/tty" | head -3)"
}

test_rmi_while_saving_leaves_the_archive_whole() {
	setup
	image_busybox test/busybox:1 >/dev/null
	id=$(pull "$REGISTRY/test/busybox:1")
	# the reader is slow: save is still streaming, holding its layers, when rmi runs
	b save -q "$REGISTRY/test/busybox:1" | { sleep 2; cat >"$T/d.tar"; } &
	saver=$!
	sleep 0.5
	timeout 10 "$BERTH" --root "$T/store" rmi "$REGISTRY/test/busybox:1" >"$T/out" 2>"$T/err" ||
		fail "rmi during a save: $(cat "$T/err")"
	wait "$saver" || fail "save failed"
	rm -rf "$T/store"
	run b load -i "$T/d.tar"
	expect_rc 0
	b images -q --no-trunc | grep -q "^$id$" || fail "the archive did not load whole"
}

test_usage_errors() {
	run "$BERTH" --root "$T/store" save
	expect_rc 2
	run "$BERTH" --root "$T/store" save --format tarball -o "$T/x" img
	expect_rc 2
	expect_grep "docker-archive or oci-archive" "$T/err"
	run "$BERTH" --root "$T/store" load -i "$T/x" extra
	expect_rc 2
	run "$BERTH" --root "$T/store" save -o "$T/x.tar" nosuch/image
	expect_rc 1
	expect_grep "image not known" "$T/err"
	[ ! -e "$T/x.tar" ] || fail "an archive was left for a failed save"
	run "$BERTH" --root "$T/store" load -i "$T/nosuch.tar"
	expect_rc 1
}

run_tests
