#!/usr/bin/env bash
# tests/e2e/test-registry.sh: the registry test infrastructure itself
# (tests/lib/registry.sh, images.sh, token-server.py, push-raw.py, mktar.py),
# checked with skopeo against Debian's docker-registry. berth's own pull tests
# build on these.
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
. tests/lib/registry.sh
. tests/lib/images.sh

# one image cache for every test of this run, removed when the script exits
images_cache_init

# --- helpers ---------------------------------------------------------------

need_registry() {
	local m
	m=$(registry_missing; command -v skopeo >/dev/null || echo skopeo)
	[ -z "$m" ] || skip "missing: ${m//$'\n'/ }"
}

need_images() {
	local m
	need_registry
	m=$(images_missing)
	[ -z "$m" ] || skip "missing: ${m//$'\n'/ }"
}

need_token() {
	need_registry
	"$BERTH_PYTHON" -c 'import cryptography' 2>/dev/null || skip "missing: python3-cryptography"
}

py() { # SCRIPT ARGS...: a few lines of python3
	local s=$1
	shift
	"$BERTH_PYTHON" -c "$s" "$@"
}

# json FILE EXPR: EXPR evaluated on the JSON in FILE (as d)
json() {
	py 'import json, sys; d = json.load(open(sys.argv[1])); r = eval(sys.argv[2]); print(r if isinstance(r, str) else json.dumps(r))' "$@"
}

# pull REF DIR: skopeo copy to a dir: layout (manifest.json + blobs by hex)
pull() {
	skopeo --insecure-policy copy -q --src-tls-verify=false \
		${REGISTRY_CREDS:+--src-creds "$REGISTRY_CREDS"} "${@:3}" \
		"docker://$REGISTRY/$1" "dir:$2"
}

# layer_blob DIR N: the file of layer N of a pulled dir:
layer_blob() {
	echo "$1/$(json "$1/manifest.json" "d['layers'][$2]['digest'].split(':')[1]")"
}

# tar_names FILE: the entry names exactly as stored (GNU tar would strip ../ and /)
tar_names() {
	py 'import sys, tarfile
for m in tarfile.open(sys.argv[1], "r:*"): print(m.name + ("/" if m.isdir() else "") + (" -> " + m.linkname if m.linkname else ""))' "$1"
}

inspect() { # REF [skopeo inspect args...]
	registry_skopeo_inspect "$@"
}

# --- the registry ----------------------------------------------------------

test_registry_starts_answers_and_stops_leaving_nothing() {
	need_registry
	registry_start
	case "$REGISTRY" in 127.0.0.1:[0-9]*) ;; *) fail "REGISTRY=$REGISTRY" ;; esac
	local pid=$REGISTRY_PID dir=$REGISTRY_DIR
	kill -0 "$pid" || fail "registry $pid not running"
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$REGISTRY/v2/")" = 200 ] || fail "GET /v2/ not 200"
	[ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$(command -v docker-registry)")" ] ||
		fail "PID $pid is $(readlink "/proc/$pid/exe")"
	grep -q "rootdirectory: $dir/data" "$dir/config.yml" || fail "storage not in $dir"
	registry_stop
	! kill -0 "$pid" 2>/dev/null || fail "registry $pid still running"
	[ ! -e "$dir" ] || fail "$dir left behind"
	[ -z "${REGISTRY:-}" ] || fail "REGISTRY still set"
}

test_two_registries_and_a_failing_test_leave_nothing() {
	need_token
	local pids rc_
	# a test that fails with two registries (one with its token server) up;
	# set +e around it, or errexit would be off inside too
	set +e
	pids=$(
		set -e
		registry_start
		echo "$REGISTRY_PID $REGISTRY_DIR"
		registry_start --token
		echo "$REGISTRY_PID $REGISTRY_TOKEN_PID $REGISTRY_DIR"
		false
		echo "not reached"
	)
	rc_=$?
	set -e
	[ "$rc_" != 0 ] || fail "the subshell did not fail: $pids"
	local w words
	read -ra words <<<"${pids//$'\n'/ }"
	[ "${#words[@]}" = 5 ] || fail "expected 3 PIDs and 2 dirs: $pids"
	for w in "${words[@]}"; do
		case "$w" in
		/*) [ ! -e "$w" ] || fail "$w left behind" ;;
		*) ! kill -0 "$w" 2>/dev/null || fail "process $w still running: $(tr '\0' ' ' <"/proc/$w/cmdline")" ;;
		esac
	done
	[ "$(printf '%s\n' "${words[@]}" | sort -u | wc -l)" = 5 ] || fail "not two registries: $pids"
}

test_images_cache_is_removed_when_its_script_exits() {
	need_images
	mkdir "$T/tmp"
	local cache
	cache=$(
		set -e
		unset IMAGES_CACHE
		export TMPDIR=$T/tmp
		registry_start
		images_cache_init
		image_busybox cached:1 >/dev/null
		echo "$IMAGES_CACHE"
	)
	case "$cache" in "$T"/tmp/berth-images-*) ;; *) fail "cache at $cache" ;; esac
	[ ! -e "$cache" ] || fail "$cache left behind"
	[ -z "$(ls -A "$T/tmp")" ] || fail "left in TMPDIR: $(ls -A "$T/tmp")"
}

# --- images, anonymous -----------------------------------------------------

test_busybox_image_pushes_and_pulls() {
	need_images
	registry_start
	local digest
	digest=$(image_busybox tools/busybox:1.0)
	case "$digest" in sha256:????????????????????????????????????????????????????????????????) ;;
	*) fail "not a digest: $digest" ;; esac
	[ "$(image_manifest_digest tools/busybox:1.0)" = "$digest" ] || fail "manifest digest differs"
	inspect tools/busybox:1.0 >"$T/inspect.json"
	[ "$(json "$T/inspect.json" "len(d['Layers'])")" = 1 ] || fail "layers: $(cat "$T/inspect.json")"
	[ "$(json "$T/inspect.json" "d['Digest']")" = "$digest" ] || fail "Digest differs"
	inspect tools/busybox:1.0 --config >"$T/config.json"
	[ "$(json "$T/config.json" "d['config']['Cmd']")" = '["sh"]' ] || fail "Cmd: $(cat "$T/config.json")"
	[ "$(json "$T/config.json" "d['config']['WorkingDir']")" = / ] || fail "WorkingDir"
	[ "$(json "$T/config.json" "d['config']['Labels']['berth.test.image']")" = busybox ] || fail "label"
	json "$T/config.json" "d['config']['Env']" | grep -q '"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"' || fail "Env"
	[ "$(json "$T/config.json" "d['architecture'] + '/' + d['os']")" = amd64/linux ] || fail "platform"

	pull tools/busybox:1.0 "$T/pulled"
	local blob
	blob=$(layer_blob "$T/pulled" 0)
	[ "sha256:$(sha256sum <"$blob" | cut -d' ' -f1)" = "$(json "$T/inspect.json" "d['Layers'][0]")" ] ||
		fail "pulled layer does not match its digest"
	mkdir "$T/root"
	tar -xzf "$blob" -C "$T/root"
	[ -x "$T/root/bin/busybox" ] || fail "no /bin/busybox"
	for a in sh ls cat echo true sleep; do
		[ "$(readlink "$T/root/bin/$a")" = busybox ] || fail "/bin/$a is not a link to busybox"
	done
	[ "$("$T/root/bin/busybox" echo hello)" = hello ] || fail "busybox does not run"
	grep -qx 'root:x:0:0:root:/root:/bin/sh' "$T/root/etc/passwd" || fail "no root in passwd"
	grep -q '^user:x:1000:1000:' "$T/root/etc/passwd" || fail "no user 1000 in passwd"
	grep -qx 'user:x:1000:' "$T/root/etc/group" || fail "no group 1000"
	[ "$(stat -c %a "$T/root/tmp")" = 1777 ] || fail "/tmp mode"
}

test_busybox_image_in_docker_schema2() {
	need_images
	registry_start
	image_busybox docker/busybox --docker >/dev/null
	inspect docker/busybox --raw >"$T/raw.json"
	[ "$(json "$T/raw.json" "d['mediaType']")" = application/vnd.docker.distribution.manifest.v2+json ] ||
		fail "not schema2: $(cat "$T/raw.json")"
	[ "$(json "$T/raw.json" "d['layers'][0]['mediaType']")" = application/vnd.docker.image.rootfs.diff.tar.gzip ] ||
		fail "layer type: $(cat "$T/raw.json")"
	# the same layer as the OCI image's
	image_busybox oci/busybox >/dev/null
	[ "$(inspect docker/busybox --format '{{index .Layers 0}}')" = "$(inspect oci/busybox --format '{{index .Layers 0}}')" ] ||
		fail "the busybox layer differs between the formats"
}

test_shared_base_images_share_their_first_layer() {
	need_images
	registry_start
	image_shared_base app/one app/two >"$T/digests"
	[ "$(wc -l <"$T/digests")" = 2 ] || fail "expected 2 digests: $(cat "$T/digests")"
	image_busybox base >/dev/null
	local one two base words
	one=$(inspect app/one --format '{{len .Layers}} {{index .Layers 0}} {{index .Layers 1}}')
	two=$(inspect app/two --format '{{len .Layers}} {{index .Layers 0}} {{index .Layers 1}}')
	base=$(inspect base --format '{{index .Layers 0}}')
	read -r -a words <<<"$one $two"
	set -- "${words[@]}"
	[ "$1 $4" = "2 2" ] || fail "layer counts: $one / $two"
	[ "$2" = "$5" ] || fail "first layers differ: $2 $5"
	[ "$2" = "$base" ] || fail "first layer is not the busybox layer"
	[ "$3" != "$6" ] || fail "second layers are the same"
	pull app/two "$T/two"
	[ "$(tar -xzOf "$(layer_blob "$T/two" 1)" etc/berth-image)" = app/two ] || fail "etc/berth-image"
}

test_whiteout_image_keeps_whiteouts_and_opaque_dirs() {
	need_images
	registry_start
	image_whiteouts wh:1 >/dev/null
	[ "$(inspect wh:1 --format '{{len .Layers}}')" = 3 ] || fail "expected 3 layers"
	pull wh:1 "$T/wh"
	tar_names "$(layer_blob "$T/wh" 1)" >"$T/base"
	tar_names "$(layer_blob "$T/wh" 2)" >"$T/top"
	printf '%s\n' etc/ etc/a etc/b opt/ opt/dir/ opt/dir/x opt/dir/y >"$T/base.want"
	printf '%s\n' etc/ etc/.wh.a opt/ opt/dir/ opt/dir/.wh..wh..opq opt/dir/z >"$T/top.want"
	expect_same "$T/base" "$T/base.want"
	expect_same "$T/top" "$T/top.want"
}

test_zstd_image_has_zstd_layers() {
	need_images
	command -v zstd >/dev/null || skip "missing: zstd"
	registry_start
	image_zstd z:1 >/dev/null
	inspect z:1 --raw >"$T/raw.json"
	[ "$(json "$T/raw.json" "[l['mediaType'] for l in d['layers']]")" = \
		'["application/vnd.oci.image.layer.v1.tar+zstd", "application/vnd.oci.image.layer.v1.tar+zstd"]' ] ||
		fail "layers: $(cat "$T/raw.json")"
	pull z:1 "$T/z"
	local b
	b=$(layer_blob "$T/z" 0)
	[ "$(od -An -tx1 -N4 "$b" | tr -d ' ')" = 28b52ffd ] || fail "layer 0 is not zstd"
	zstd -dcq "$b" | tar -t | grep -qx bin/busybox || fail "no bin/busybox in the zstd layer"
	[ "$(zstd -dcq "$(layer_blob "$T/z" 1)" | tar -xO etc/berth-image)" = zstd ] || fail "etc/berth-image"
	# the config's diff_ids are the uncompressed layers' digests
	[ "$(inspect z:1 --config | py 'import json,sys; print(json.load(sys.stdin)["rootfs"]["diff_ids"][0])')" = \
		"sha256:$(zstd -dcq "$b" | sha256sum | cut -d' ' -f1)" ] || fail "diff_id"
}

test_uncompressed_image_has_plain_tar_layers() {
	need_images
	registry_start
	image_uncompressed u:1 >/dev/null
	inspect u:1 --raw >"$T/raw.json"
	[ "$(json "$T/raw.json" "sorted(set(l['mediaType'] for l in d['layers']))")" = \
		'["application/vnd.oci.image.layer.v1.tar"]' ] || fail "layers: $(cat "$T/raw.json")"
	pull u:1 "$T/u"
	[ "$(tar -xOf "$(layer_blob "$T/u" 1)" etc/berth-image)" = uncompressed ] || fail "etc/berth-image"
	# same diff_id as the gzip busybox layer
	image_busybox bb >/dev/null
	[ "$(inspect u:1 --config | py 'import json,sys; print(json.load(sys.stdin)["rootfs"]["diff_ids"][0])')" = \
		"$(inspect bb --config | py 'import json,sys; print(json.load(sys.stdin)["rootfs"]["diff_ids"][0])')" ] ||
		fail "the busybox diff_id differs"
}

multiarch_check() { # REF INDEX-TYPE MANIFEST-TYPE PLATFORM...: amd64: arm64:v8 arm:v7
	inspect "$1" --raw >"$T/raw.json"
	[ "$(json "$T/raw.json" "d['mediaType']")" = "$2" ] || fail "not an index: $(cat "$T/raw.json")"
	[ "$(json "$T/raw.json" "len(d['manifests'])")" = 3 ] || fail "not 3 manifests"
	json "$T/raw.json" "'\n'.join('/'.join(filter(None, [m['platform']['os'], m['platform']['architecture'], m['platform'].get('variant')])) + ' ' + m['mediaType'] for m in d['manifests'])" >"$T/platforms"
	printf '%s\n' "linux/amd64 $3" "linux/arm64/v8 $3" "linux/arm/v7 $3" >"$T/platforms.want"
	expect_same "$T/platforms" "$T/platforms.want"
	local arch variant p
	for p in "${@:4}"; do
		arch=${p%:*} variant=${p#*:}
		rm -rf "$T/p"
		pull "$1" "$T/p" --override-arch "$arch" ${variant:+--override-variant "$variant"}
		[ "$(tar -xzOf "$(layer_blob "$T/p" 1)" etc/platform)" = "linux/$arch${variant:+/$variant}" ] ||
			fail "etc/platform of $arch"
		[ "$(inspect "$1" --override-arch "$arch" ${variant:+--override-variant "$variant"} --format '{{.Architecture}}')" = "$arch" ] ||
			fail "config architecture of $arch"
	done
}

test_multiarch_index_lists_three_platforms() {
	need_images
	registry_start
	local digest
	digest=$(image_multiarch multi:1)
	[ "$(image_manifest_digest multi:1)" = "$digest" ] || fail "index digest differs"
	multiarch_check multi:1 application/vnd.oci.image.index.v1+json application/vnd.oci.image.manifest.v1+json \
		amd64: arm64:v8 arm:v7
}

test_multiarch_docker_manifest_list() {
	need_images
	registry_start
	image_multiarch multi-docker:1 --docker >/dev/null
	multiarch_check multi-docker:1 application/vnd.docker.distribution.manifest.list.v2+json \
		application/vnd.docker.distribution.manifest.v2+json arm:v7
}

test_hostile_images_keep_their_entries_as_written() {
	need_images
	registry_start
	local kind
	for kind in traversal symlink-escape symlink-relative hardlink-out absolute device; do
		image_hostile "hostile/$kind" "$kind" >/dev/null
		pull "hostile/$kind" "$T/$kind"
	done
	# the second layer of each, its entries exactly as stored, in one python
	py 'import json, sys, tarfile
for d in sys.argv[1:]:
    m = json.load(open(d + "/manifest.json"))
    assert len(m["layers"]) == 2, (d, m)
    names = []
    for e in tarfile.open(d + "/" + m["layers"][1]["digest"].split(":")[1]):
        names.append(e.name + ("/" if e.isdir() else "") + (" -> " + e.linkname if e.linkname else ""))
        if e.ischr():
            names[-1] += " %d:%d" % (e.devmajor, e.devminor)
    print(d.rsplit("/", 1)[1] + ": " + "|".join(names))' \
		"$T"/{traversal,symlink-escape,symlink-relative,hardlink-out,absolute,device} >"$T/entries"
	cat >"$T/entries.want" <<'EOF'
traversal: ok|../evil
symlink-escape: a -> /etc|a/evil
symlink-relative: a -> ../../../../../../etc|a/evil
hardlink-out: ok|passwd -> ../../etc/passwd
absolute: /evil
device: dev/|dev/evil 1:3
EOF
	expect_same "$T/entries" "$T/entries.want"
	run image_hostile hostile/x no-such-kind
	expect_rc 2
	expect_grep "unknown kind no-such-kind" "$T/err"
}

test_big_image_is_built_once_into_the_callers_dir() {
	need_images
	registry_start
	image_big big:1 "$T/bigcache" 3 300 >/dev/null
	[ -d "$T/bigcache/big-3-300/oci" ] || fail "not cached in the caller's dir: $(ls -A "$T/bigcache")"
	inspect big:1 >"$T/inspect.json"
	[ "$(json "$T/inspect.json" "len(d['Layers'])")" = 3 ] || fail "expected 3 layers"
	pull big:1 "$T/big"
	tar -tzf "$(layer_blob "$T/big" 1)" | grep -qx data/random || fail "no data/random in layer 1"
	[ "$(tar -xzOf "$(layer_blob "$T/big" 1)" data/random | wc -c)" = $((3 * 1024 * 1024)) ] || fail "data/random size"
	[ "$(tar -tzf "$(layer_blob "$T/big" 2)" | grep -c '^data/small/.*/f')" = 300 ] || fail "not 300 small files"
	# a second call pushes the same image from the cache
	touch "$T/stamp"
	image_big big:2 "$T/bigcache" 3 300 >/dev/null
	[ -z "$(find "$T/bigcache" -newer "$T/stamp" -print -quit)" ] || fail "the cache was rebuilt"
	[ "$(inspect big:2 --format '{{.Layers}}')" = "$(inspect big:1 --format '{{.Layers}}')" ] || fail "layers differ"
}

# --- authentication --------------------------------------------------------

test_basic_auth_wants_the_htpasswd_credentials() {
	need_images
	command -v htpasswd >/dev/null || skip "missing: htpasswd (apache2-utils)"
	registry_start --htpasswd alice:s3cret
	[ "$REGISTRY_CREDS" = alice:s3cret ] || fail "REGISTRY_CREDS=$REGISTRY_CREDS"
	curl -s -D "$T/headers" -o /dev/null "http://$REGISTRY/v2/"
	expect_grep '^HTTP/1.1 401' "$T/headers"
	grep -qi '^www-authenticate: basic realm="berth-test-registry"' "$T/headers" || fail "no Basic challenge: $(cat "$T/headers")"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -u alice:s3cret "http://$REGISTRY/v2/")" = 200 ] || fail "creds refused by /v2/"
	image_busybox private/bb:1 >/dev/null # pushes with $REGISTRY_CREDS
	run skopeo inspect --tls-verify=false "docker://$REGISTRY/private/bb:1"
	[ "$rc" != 0 ] || fail "inspect without credentials worked"
	run skopeo inspect --tls-verify=false --creds alice:wrong "docker://$REGISTRY/private/bb:1"
	[ "$rc" != 0 ] || fail "inspect with a wrong password worked"
	run skopeo inspect --tls-verify=false --creds alice:s3cret "docker://$REGISTRY/private/bb:1"
	expect_rc 0
	# push-raw.py answers the Basic challenge too
	image_hostile private/h traversal >/dev/null
	pull private/h "$T/h"
}

test_bearer_challenge_token_and_anonymous_pull() {
	need_images
	need_token
	registry_start --token
	[ -z "$REGISTRY_CREDS" ] || fail "REGISTRY_CREDS=$REGISTRY_CREDS"
	curl -s -D "$T/headers" -o /dev/null "http://$REGISTRY/v2/"
	expect_grep '^HTTP/1.1 401' "$T/headers"
	grep -qi "^www-authenticate: Bearer realm=\"$REGISTRY_TOKEN_URL\",service=\"$REGISTRY_SERVICE\"" "$T/headers" ||
		fail "no Bearer challenge: $(cat "$T/headers")"
	curl -s -D "$T/headers" -o /dev/null "http://$REGISTRY/v2/lib/bb/manifests/1"
	grep -qi "^www-authenticate: Bearer realm=\"$REGISTRY_TOKEN_URL\",service=\"$REGISTRY_SERVICE\",scope=\"repository:lib/bb:pull\"" "$T/headers" ||
		fail "no scope in the challenge: $(cat "$T/headers")"

	# anonymous push and pull through the token flow
	image_busybox lib/bb:1 >/dev/null
	inspect lib/bb:1 --format '{{len .Layers}}' >"$T/n"
	[ "$(cat "$T/n")" = 1 ] || fail "inspect through the token flow"
	image_multiarch lib/multi:1 >/dev/null # push-raw.py answers Bearer challenges
	[ "$(inspect lib/multi:1 --raw | py 'import json,sys; print(len(json.load(sys.stdin)["manifests"]))')" = 3 ] ||
		fail "index through the token flow"

	# the token service, by hand
	curl -sf "$REGISTRY_TOKEN_URL?service=$REGISTRY_SERVICE&scope=repository:lib/bb:pull" >"$T/token.json"
	local token
	token=$(json "$T/token.json" "d['token']")
	[ "$(json "$T/token.json" "d['access_token'] == d['token'] and d['expires_in'] == 300 and d['issued_at'].endswith('Z')")" = true ] ||
		fail "token reply: $(cat "$T/token.json")"
	py 'import base64, json, sys
h, c, s = sys.argv[1].split(".")
dec = lambda x: json.loads(base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)))
h, c = dec(h), dec(c)
assert h["alg"] == "RS256" and len(h["kid"]) == 59 and h["kid"].count(":") == 11, h
assert c["iss"] == "berth-test-token-server" and c["aud"] == sys.argv[2], c
assert c["access"] == [{"type": "repository", "name": "lib/bb", "actions": ["pull"]}], c
assert c["nbf"] <= c["iat"] < c["exp"] and c["jti"], c' "$token" "$REGISTRY_SERVICE"
	grep -q "kid $(py 'import base64, json, sys; h = sys.argv[1].split(".")[0]; print(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))["kid"])' "$token")" "$REGISTRY_TOKEN_LOG" ||
		fail "the kid is not the one the server logged"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://$REGISTRY/v2/")" = 200 ] ||
		fail "the registry refused the token on /v2/"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
		-H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REGISTRY/v2/lib/bb/manifests/1")" = 200 ] ||
		fail "the registry refused the token for a pull"
	# a pull token does not push, and a token with a broken signature is refused
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
		"http://$REGISTRY/v2/lib/bb/blobs/uploads/")" = 401 ] || fail "a pull token could push"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${token%??????}AAAAAA" "http://$REGISTRY/v2/")" = 401 ] ||
		fail "a forged token was taken"
}

test_bearer_token_service_wants_credentials_with_user() {
	need_images
	need_token
	registry_start --token --user bob:pa55
	[ "$REGISTRY_CREDS" = bob:pa55 ] || fail "REGISTRY_CREDS=$REGISTRY_CREDS"
	local url="$REGISTRY_TOKEN_URL?service=$REGISTRY_SERVICE&scope=repository:team/bb:pull,push"
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 401 ] || fail "token without credentials"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -u bob:nope "$url")" = 401 ] || fail "token with a wrong password"
	curl -sf -u bob:pa55 "$url" >"$T/token.json" || fail "token with credentials"
	# the OAuth2 form, as some clients send it
	curl -sf -d "grant_type=password&username=bob&password=pa55&service=$REGISTRY_SERVICE&scope=repository:team/bb:pull&client_id=t" \
		"$REGISTRY_TOKEN_URL" >"$T/oauth.json" || fail "POST /token"
	json "$T/oauth.json" "d['refresh_token']" >/dev/null

	image_busybox team/bb:1 >/dev/null # pushes with $REGISTRY_CREDS
	run skopeo inspect --tls-verify=false "docker://$REGISTRY/team/bb:1"
	[ "$rc" != 0 ] || fail "inspect without credentials worked"
	run skopeo inspect --tls-verify=false --creds bob:pa55 "docker://$REGISTRY/team/bb:1"
	expect_rc 0
	pull team/bb:1 "$T/bb"
	grep -q "GET /token?.*200" "$REGISTRY_TOKEN_LOG" || fail "no token issued: $(cat "$REGISTRY_TOKEN_LOG")"
}

run_tests
