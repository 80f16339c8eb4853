#!/usr/bin/env bash
# tests/e2e/test-sharedfs.sh: what berth sees of a shared store on a real
# network file system (sshfs on 127.0.0.1 through tests/lib/sshfs.sh, or a
# site's own mount with BERTH_TEST_SHARED_DIR), as `berth system info`
# shows it; a local directory for contrast; overlayfs taking a lowerdir
# from the share; and the harness itself cleaning up.
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
. tests/lib/exit.sh
. tests/lib/sshfs.sh

need() {
	local m
	[ "$(id -u)" = 0 ] || skip "needs root (mounts)"
	m=$(sshfs_missing)
	[ -z "$m" ] || skip "missing: ${m//$'\n'/ }"
}

# berth with its own store and no host configuration
b() {
	[ -e "$T/registries.conf" ] || : >"$T/registries.conf"
	XDG_CONFIG_HOME=$T/config CONTAINERS_REGISTRIES_CONF=$T/registries.conf \
		"$BERTH" --root "$T/store" "$@"
}

# the value of KEY under sharedStore in `system info --format json`
shared_json() { # KEY
	python3 -c 'import json,sys; v=json.load(sys.stdin)["sharedStore"]; print(json.dumps(v if v is None else v.get(sys.argv[1])))' "$1" <"$T/out"
}

test_sshfs_detected() {
	need
	sshfs_start "$T/shared"
	mkdir -m 0755 "$SHARED_DIR/store"
	BERTH_SHARED_STORE=$SHARED_DIR/store run b system info
	expect_rc 0
	expect_grep '^sharedStore:$' "$T/out"
	expect_grep "^  path: $SHARED_DIR/store\$" "$T/out"
	expect_grep '^  configuredIn: BERTH_SHARED_STORE$' "$T/out"
	expect_grep '^  network: true$' "$T/out"
	expect_grep '^  writable: true$' "$T/out"
	if [ "$SHARED_FS" = sshfs ]; then
		expect_grep '^  fsKind: sshfs (FUSE)$' "$T/out"
		expect_grep '^  fsType: fuse.sshfs$' "$T/out"
		expect_grep '^  fsMagic: "0x65735546"$' "$T/out"
		expect_grep "^  mountPoint: $SHARED_DIR\$" "$T/out"
		expect_grep "^  source: .*@127.0.0.1:$SHARED_SERVER_DIR\$" "$T/out"
	fi

	BERTH_SHARED_STORE=$SHARED_DIR/store run b system info --format json
	expect_rc 0
	[ "$(shared_json network)" = true ] || fail "network: $(shared_json network)"
	[ "$(shared_json trusted)" = true ] || fail "trusted: $(shared_json trusted): $(cat "$T/out")"
	if [ "$SHARED_FS" = sshfs ]; then
		[ "$(shared_json fsKind)" = '"sshfs (FUSE)"' ] || fail "fsKind: $(shared_json fsKind)"
	fi
}

# the configuration file names the store too; the environment wins over it
test_config_file() {
	need
	sshfs_start "$T/shared"
	mkdir -p "$T/config/berth" "$T/local"
	chmod 0755 "$T/local"
	printf '[storage]\nshared_store = "%s"\nshared_base_layers = "required"\n' "$SHARED_DIR" \
		>"$T/config/berth/berth.conf"
	run b system info
	expect_rc 0
	expect_grep "^  configuredIn: $T/config/berth/berth.conf:2\$" "$T/out"
	expect_grep '^  sharedBaseLayers: required$' "$T/out"
	expect_grep '^  network: true$' "$T/out"
	BERTH_SHARED_STORE=$T/local run b system info
	expect_rc 0
	expect_grep "^  path: $T/local\$" "$T/out"
	expect_grep '^  network: false$' "$T/out"
	# the global flag is the strongest, as for every other command
	BERTH_SHARED_STORE=$T/local run b --shared-store "$SHARED_DIR" --shared-base-layers=false system info
	expect_rc 0
	expect_grep "^  path: $SHARED_DIR\$" "$T/out"
	expect_grep '^  configuredIn: "--shared-store"$' "$T/out"
	expect_grep '^  sharedBaseLayers: "false"$' "$T/out"

	printf '[storage]\nshared_store = "relative"\n' >"$T/config/berth/berth.conf"
	run b system info
	expect_rc 1
	expect_grep "berth.conf:2:16: shared_store \"relative\": expected an absolute path" "$T/err"
}

test_local_detected() {
	mkdir -m 0755 "$T/local"
	BERTH_SHARED_STORE=$T/local run b system info
	expect_rc 0
	expect_grep '^  fsKind: local (' "$T/out"
	expect_grep '^  network: false$' "$T/out"
	run b system info
	expect_rc 0
	expect_grep '^sharedStore: none$' "$T/out"
	expect_grep "^  graphRoot: $T/store\$" "$T/out"
}

# a store others can write to is shown as untrusted, naming the directory
test_untrusted_store() {
	need
	sshfs_start "$T/shared"
	mkdir "$SHARED_DIR/store"
	chmod 0777 "$SHARED_DIR/store"
	BERTH_SHARED_STORE=$SHARED_DIR/store run b system info
	expect_rc 0
	expect_grep '^  trusted: false$' "$T/out"
	expect_grep "untrustedBecause: \"shared store $SHARED_DIR/store: $SHARED_DIR/store is writable by group and others (mode 0777)" "$T/out"
}

# overlayfs with a lowerdir on the share: the container's view, no copy
test_overlay_lowerdir() {
	need
	sshfs_start "$T/shared"
	mkdir -p "$SHARED_SERVER_DIR/layers/l1/etc" "$T/upper" "$T/work" "$T/merged"
	echo "from the share" >"$SHARED_SERVER_DIR/layers/l1/etc/motd"
	# a mount namespace of its own: nothing stays mounted if the test fails
	# shellcheck disable=SC2016 # the inner sh expands them
	run unshare -m --propagation private sh -c '
		mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3" "$4" || exit 1
		cat "$4/etc/motd" || exit 1
		echo local >"$4/etc/new" || exit 1
		grep " $4 " /proc/self/mountinfo' \
		sh "$SHARED_DIR/layers/l1" "$T/upper" "$T/work" "$T/merged"
	expect_rc 0
	expect_grep '^from the share$' "$T/out"
	expect_grep "lowerdir=$SHARED_DIR/layers/l1" "$T/out"
	# the write went to the local upper layer, not to the server
	[ "$(cat "$T/upper/etc/new")" = local ] || fail "the upper layer has no etc/new"
	[ ! -e "$SHARED_SERVER_DIR/layers/l1/etc/new" ] || fail "etc/new was written to the share"
}

# a second mount of the same server, as another node: same files, own connection
test_second_mount() {
	need
	sshfs_start "$T/node1"
	sshfs_mount "$T/node2"
	echo hello >"$T/node1/file"
	[ "$(cat "$T/node2/file")" = hello ] || fail "node2 does not see node1's file"
	[ "$(cat "$SHARED_SERVER_DIR/file")" = hello ] || fail "the server does not have the file"
	mountpoint -q "$T/node2" || fail "$T/node2 is not a mount point"
}

# sshfs_stop: nothing mounted, sshd gone, temp files removed
test_harness_stops() {
	need
	local h pid
	sshfs_start "$T/shared"
	h=$SSHFS_HARNESS_DIR
	pid=${SSHFS_SSHD_PID:-}
	sshfs_stop
	! mountpoint -q "$T/shared" || fail "$T/shared is still mounted"
	[ ! -e "$h" ] || fail "$h is still there"
	if [ -n "$pid" ]; then
		! kill -0 "$pid" 2>/dev/null || fail "sshd ($pid) is still running"
	fi
	[ -z "${SHARED_DIR:-}" ] || fail "SHARED_DIR is still set"
}

run_tests
