# tests/lib/sshfs.sh: a real network file system for the tests of shared
# layer stores. Sourced by tests/e2e/test-*.sh (after tests/e2e/lib.sh) and
# bench/ scripts. No kernel NFS client is needed: Debian's sshd serves a
# temp "storage server" directory on 127.0.0.1 and sshfs (FUSE) mounts it,
# so what berth sees has a network file system's f_type (FUSE), mountinfo
# type (fuse.sshfs) and round trips.
#
#   sshfs_missing
#       Prints what sshfs_start needs and does not have (empty: all there).
#   sshfs_start DIR
#       Starts sshd on 127.0.0.1 on a free port, with a temp host key, a
#       temp client key as the only authorized key, root logins by key
#       only, and the built-in sftp server; then mounts its temp server
#       directory at DIR (created when missing) with sshfs. Exports:
#         SHARED_DIR         DIR, absolute: the shared file system
#         SHARED_SERVER_DIR  the same files as the server has them (put
#                            things there to "publish" them behind
#                            berth's back, or check what was written)
#         SHARED_FS          "sshfs", or "site" (see below)
#         SSHFS_PORT, SSHFS_SSHD_PID, SSHFS_HARNESS_DIR (keys, config, logs)
#   sshfs_mount DIR
#       Mounts the same server directory again at DIR: another FUSE
#       connection with caches of its own, as another node would have.
#   sshfs_stop [HARNESS_DIR]
#       Unmounts what sshfs_start and sshfs_mount mounted (fusermount -u,
#       else umount -l), stops sshd by its PID, waits for it and removes the
#       temp directories. Default: the last sshfs_start's.
#   sshfs_stop_all
#       The same for every harness this shell started.
#
# With BERTH_TEST_SHARED_DIR set (a site's real NFS, Lustre, GPFS... mount),
# no sshd is started: sshfs_start makes a fresh directory inside it, bind-
# mounts it at DIR (a symlink when not root), SHARED_SERVER_DIR is that
# directory and SHARED_FS is "site"; sshfs_mount binds it again.
#
# Mount options, and why: allow_other lets container processes (any uid,
# other user namespaces) reach the files, as on a real share;
# default_permissions makes the kernel check modes and owners, without which
# allow_other would give every local user the sftp login's (root's) access.
# overlayfs takes a directory of this mount as a lowerdir as it is (the
# tests check it). Non-root runs mount without allow_other (fuse.conf's
# user_allow_other is a site's choice).
#
# sshfs_start registers sshfs_stop_all with berth_on_exit (exit.sh), so a
# failing test leaves nothing mounted or running.
# Requires: openssh-server (sshd), openssh-client (ssh-keygen, ssh), sshfs,
# fuse3 (fusermount3) and /dev/fuse.
# shellcheck shell=bash

SSHFS_LIB_DIR=${SSHFS_LIB_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# shellcheck source=tests/lib/exit.sh
. "$SSHFS_LIB_DIR/exit.sh"
_SSHFS_DIRS=()
_SSHFS_OWNER=
SSHFS_SSHD=${SSHFS_SSHD:-/usr/sbin/sshd}

sshfs_missing() {
	local c
	if [ -n "${BERTH_TEST_SHARED_DIR:-}" ]; then
		[ -d "$BERTH_TEST_SHARED_DIR" ] || echo "BERTH_TEST_SHARED_DIR ($BERTH_TEST_SHARED_DIR)"
		return 0
	fi
	[ -x "$SSHFS_SSHD" ] || echo "sshd (openssh-server)"
	for c in ssh ssh-keygen sshfs; do
		command -v "$c" >/dev/null 2>&1 || echo "$c"
	done
	command -v fusermount3 >/dev/null 2>&1 || command -v fusermount >/dev/null 2>&1 ||
		echo "fusermount3 (fuse3)"
	[ -c /dev/fuse ] || echo "/dev/fuse"
}

# sshd's StrictModes refuses an authorized_keys file below a directory that
# others can write to, /tmp included: turned off only then.
_sshfs_strict_modes() { # DIR -> yes|no
	local d=$1 mode
	while :; do
		mode=$(stat -c %a "$d") || return 1
		# group or other write bit
		if [ $((8#$mode & 8#022)) -ne 0 ]; then
			echo no
			return 0
		fi
		[ "$d" = / ] && break
		d=$(dirname "$d")
	done
	echo yes
}

_sshfs_fail() { # HARNESS_DIR MESSAGE
	echo "sshfs_start: $2" >&2
	local f
	for f in "$1"/*.log; do
		[ -f "$f" ] && sed "s|^|    ${f##*/}: |" "$f" | tail -20 >&2
	done
	sshfs_stop "$1"
	return 1
}

_sshfs_register() { # HARNESS_DIR
	if [ "$_SSHFS_OWNER" != "$BASHPID" ]; then
		# a subshell inherits the list, not the mounts to undo
		_SSHFS_DIRS=()
		_SSHFS_OWNER=$BASHPID
	fi
	_SSHFS_DIRS+=("$1")
	berth_on_exit_once sshfs sshfs_stop_all
}

# the mount options of the sshfs command line, for this user
_sshfs_opts() {
	local o="IdentityFile=$SSHFS_HARNESS_DIR/client_key,StrictHostKeyChecking=no"
	o="$o,UserKnownHostsFile=/dev/null,BatchMode=yes,LogLevel=ERROR,port=$SSHFS_PORT"
	o="$o,default_permissions"
	[ "$(id -u)" = 0 ] && o="$o,allow_other"
	echo "$o"
}

# wait until DIR is a mount point, ~10 s
_sshfs_wait_mounted() { # DIR
	local _
	for _ in $(seq 1 200); do
		mountpoint -q "$1" && return 0
		sleep 0.05
	done
	return 1
}

_sshfs_start_site() { # DIR
	local dir=$1 h sub
	h=$(mktemp -d "${TMPDIR:-/tmp}/berth-sshfs.XXXXXX") || return 1
	_sshfs_register "$h"
	sub=$(mktemp -d "$BERTH_TEST_SHARED_DIR/berth-test.XXXXXX") || { _sshfs_fail "$h" "cannot create a directory in $BERTH_TEST_SHARED_DIR"; return 1; }
	chmod 0755 "$sub"
	echo "$sub" >"$h/site"
	: >"$h/mounts"
	export SHARED_SERVER_DIR=$sub SHARED_FS=site SSHFS_HARNESS_DIR=$h
	unset SSHFS_PORT SSHFS_SSHD_PID
	sshfs_mount "$dir" || { _sshfs_fail "$h" "cannot mount $sub at $dir"; return 1; }
	SHARED_DIR=$(cd "$dir" && pwd) || return 1
	export SHARED_DIR
}

sshfs_start() {
	local dir=${1:?sshfs_start DIR}
	local h user port pid strict _
	if [ -n "${BERTH_TEST_SHARED_DIR:-}" ]; then
		_sshfs_start_site "$dir"
		return
	fi
	if [ -n "$(sshfs_missing)" ]; then
		echo "sshfs_start: missing: $(sshfs_missing | tr '\n' ' ')" >&2
		return 1
	fi
	h=$(mktemp -d "${TMPDIR:-/tmp}/berth-sshfs.XXXXXX") || return 1
	_sshfs_register "$h"
	: >"$h/mounts"
	mkdir -m 0755 "$h/server"
	user=$(id -un)
	ssh-keygen -q -t ed25519 -N '' -C berth-test-host -f "$h/host_key" </dev/null >/dev/null ||
		{ _sshfs_fail "$h" "ssh-keygen failed"; return 1; }
	ssh-keygen -q -t ed25519 -N '' -C berth-test-client -f "$h/client_key" </dev/null >/dev/null ||
		{ _sshfs_fail "$h" "ssh-keygen failed"; return 1; }
	cp "$h/client_key.pub" "$h/authorized_keys"
	chmod 0600 "$h/authorized_keys"
	strict=$(_sshfs_strict_modes "$h") || { _sshfs_fail "$h" "cannot stat $h"; return 1; }
	# sshd's privilege separation directory (Debian's package makes it at boot)
	[ "$(id -u)" = 0 ] && mkdir -p /run/sshd

	# sshd cannot listen on port 0: try free-looking ports until one binds
	for _ in $(seq 1 20); do
		port=$((20000 + RANDOM % 40000))
		cat >"$h/sshd_config" <<EOF
ListenAddress 127.0.0.1:$port
HostKey $h/host_key
PidFile none
AuthorizedKeysFile $h/authorized_keys
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $user
UsePAM no
StrictModes $strict
PrintMotd no
MaxStartups 100:30:200
MaxSessions 100
Subsystem sftp internal-sftp
EOF
		# -D: no daemon, so $! is sshd; -e: its log on stderr
		"$SSHFS_SSHD" -D -e -f "$h/sshd_config" </dev/null >"$h/sshd.log" 2>&1 &
		pid=$!
		echo "$pid" >"$h/sshd.pid"
		for _ in $(seq 1 200); do
			grep -q "Server listening on 127.0.0.1 port $port" "$h/sshd.log" && break 2
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -0 "$pid" 2>/dev/null && { _sshfs_fail "$h" "sshd did not listen in 10 s"; return 1; }
		wait "$pid" 2>/dev/null
		rm -f "$h/sshd.pid"
		# another program has the port: try another; anything else is a failure
		grep -qi 'bind\|address already in use' "$h/sshd.log" ||
			{ _sshfs_fail "$h" "sshd did not start"; return 1; }
	done
	[ -f "$h/sshd.pid" ] || { _sshfs_fail "$h" "sshd found no free port"; return 1; }

	export SSHFS_HARNESS_DIR=$h SSHFS_PORT=$port SSHFS_SSHD_PID=$pid
	export SHARED_SERVER_DIR=$h/server SHARED_FS=sshfs
	sshfs_mount "$dir" || { _sshfs_fail "$h" "sshfs could not mount $dir"; return 1; }
	SHARED_DIR=$(cd "$dir" && pwd)
	export SHARED_DIR
}

sshfs_mount() {
	local dir=${1:?sshfs_mount DIR} h=${SSHFS_HARNESS_DIR:?sshfs_start first} abs
	mkdir -p "$dir" || return 1
	abs=$(cd "$dir" && pwd) || return 1
	if [ -f "$h/site" ]; then
		if [ "$(id -u)" = 0 ]; then
			mount --bind "$(cat "$h/site")" "$abs" || return 1
		else
			rmdir "$abs" && ln -s "$(cat "$h/site")" "$abs" || return 1
		fi
		echo "$abs" >>"$h/mounts"
		return 0
	fi
	sshfs -o "$(_sshfs_opts)" "$(id -un)@127.0.0.1:$h/server" "$abs" </dev/null \
		>>"$h/sshfs.log" 2>&1 || return 1
	echo "$abs" >>"$h/mounts"
	_sshfs_wait_mounted "$abs"
}

_sshfs_umount() { # DIR
	local dir=$1 _
	if [ -L "$dir" ]; then
		rm -f "$dir"
		return 0
	fi
	mountpoint -q "$dir" || return 0
	# a busy mount (a test's overlay still on it) goes lazily rather than staying
	fusermount3 -u "$dir" 2>/dev/null || fusermount -u "$dir" 2>/dev/null ||
		umount "$dir" 2>/dev/null || umount -l "$dir" 2>/dev/null || true
	for _ in $(seq 1 100); do
		mountpoint -q "$dir" || return 0
		sleep 0.05
	done
	echo "sshfs_stop: $dir is still mounted" >&2
	return 1
}

sshfs_stop() {
	local h=${1:-${SSHFS_HARNESS_DIR:-}} m pid _ keep=() d ok=1
	[ -n "$h" ] || return 0
	case "${h##*/}" in berth-sshfs.*) ;; *) echo "sshfs_stop: not a harness dir: $h" >&2; return 1 ;; esac
	[ -d "$h" ] || return 0
	if [ -f "$h/mounts" ]; then
		# the last mount first
		while read -r m; do
			[ -n "$m" ] && { _sshfs_umount "$m" || ok=0; }
		done < <(tac "$h/mounts")
	fi
	if [ -f "$h/sshd.pid" ]; then
		pid=$(cat "$h/sshd.pid")
		if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
			for _ in $(seq 1 100); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.05
			done
			kill -9 "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	fi
	if [ -f "$h/site" ] && [ "$ok" = 1 ]; then
		rm -rf "$(cat "$h/site")"
	fi
	# never remove a tree that may still be mounted below it
	[ "$ok" = 1 ] && rm -rf "$h"
	for d in "${_SSHFS_DIRS[@]}"; do
		[ "$d" = "$h" ] || keep+=("$d")
	done
	_SSHFS_DIRS=("${keep[@]}")
	if [ "${SSHFS_HARNESS_DIR:-}" = "$h" ]; then
		unset SHARED_DIR SHARED_SERVER_DIR SHARED_FS SSHFS_PORT SSHFS_SSHD_PID SSHFS_HARNESS_DIR
	fi
	[ "$ok" = 1 ]
}

sshfs_stop_all() {
	local d
	for d in "${_SSHFS_DIRS[@]}"; do
		sshfs_stop "$d"
	done
	_SSHFS_DIRS=()
}
