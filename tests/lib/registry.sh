# tests/lib/registry.sh: a real OCI registry on 127.0.0.1 for the tests.
# Sourced by tests/e2e/test-*.sh (after tests/e2e/lib.sh) and bench/ scripts.
#
#   registry_start [--htpasswd USER:PASS] [--token [--user USER:PASS]]
#       Starts Debian's `docker-registry serve` on 127.0.0.1 on a free port
#       (the registry binds port 0 and says which in its log: no race), with
#       filesystem storage in its own temp dir, and waits until GET /v2/
#       answers. Exports:
#         REGISTRY          127.0.0.1:PORT
#         REGISTRY_PID      the registry's PID
#         REGISTRY_DIR      its temp dir (config.yml, data/, registry.log)
#         REGISTRY_LOG      $REGISTRY_DIR/registry.log
#         REGISTRY_CREDS    USER:PASS when auth needs it, else empty
#       --htpasswd USER:PASS  basic auth (bcrypt htpasswd file)
#       --token               bearer auth through tests/lib/token-server.py,
#                             which grants pull/push to anyone; with
#                             --user USER:PASS it wants those credentials.
#                             Also exports REGISTRY_TOKEN_URL (the realm),
#                             REGISTRY_TOKEN_PORT, REGISTRY_TOKEN_PID,
#                             REGISTRY_SERVICE and REGISTRY_TOKEN_LOG.
#   registry_stop [DIR]
#       Stops the registry (and its token server) started in DIR (default
#       $REGISTRY_DIR) by PID, waits for them to exit and removes DIR.
#   registry_stop_all
#       Stops every registry this shell started.
#   registry_skopeo_inspect REF [ARGS...]
#       skopeo inspect --tls-verify=false [--creds ...] docker://$REGISTRY/REF
#
# registry_start registers registry_stop_all with berth_on_exit (exit.sh), so
# a failing test leaves nothing running. Tests that need cleanup of their own
# use berth_on_exit too, not `trap ... EXIT`.
# Requires: docker-registry, curl, python3 (+ python3-cryptography for
# --token), htpasswd (apache2-utils) for --htpasswd.

REGISTRY_LIB_DIR=${REGISTRY_LIB_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# Debian's python3 is the one scripts/deps gives python3-cryptography to
BERTH_PYTHON=${BERTH_PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
# shellcheck source=tests/lib/exit.sh
. "$REGISTRY_LIB_DIR/exit.sh"
_REGISTRY_DIRS=()
_REGISTRY_OWNER=

# registry_missing: prints what registry_start needs and does not have
registry_missing() {
	local c
	for c in docker-registry curl "${BERTH_PYTHON:-python3}"; do
		command -v "$c" >/dev/null 2>&1 || echo "$c"
	done
}

_registry_wait_port() { # LOGFILE PID -> prints the port, or fails after ~10 s
	local i port
	for i in $(seq 1 200); do
		port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$1" 2>/dev/null | head -1)
		if [ -n "$port" ]; then
			echo "$port"
			return 0
		fi
		kill -0 "$2" 2>/dev/null || break
		sleep 0.05
	done
	return 1
}

_registry_fail() { # DIR MESSAGE
	echo "registry_start: $2" >&2
	local f
	for f in "$1"/*.log; do
		[ -f "$f" ] && sed "s|^|    ${f##*/}: |" "$f" | tail -20 >&2
	done
	registry_stop "$1"
	return 1
}

registry_start() {
	local htpasswd="" token=0 user="" dir tport="" realm="" service="berth-test-registry"
	local issuer="berth-test-token-server" auth="" port pid tpid="" i code
	while [ $# -gt 0 ]; do
		case "$1" in
		--htpasswd) htpasswd=$2; shift 2 ;;
		--token) token=1; shift ;;
		--user) user=$2; shift 2 ;;
		*) echo "registry_start: unknown option $1" >&2; return 2 ;;
		esac
	done
	if [ -n "$user" ] && [ "$token" = 0 ]; then
		echo "registry_start: --user goes with --token (use --htpasswd for basic auth)" >&2
		return 2
	fi
	if [ -n "$htpasswd" ] && [ "$token" = 1 ]; then
		echo "registry_start: --htpasswd or --token, not both (--token --user USER:PASS for a token service with credentials)" >&2
		return 2
	fi
	if [ -n "$(registry_missing)" ]; then
		echo "registry_start: missing: $(registry_missing | tr '\n' ' ')" >&2
		return 1
	fi

	dir=$(mktemp -d "${TMPDIR:-/tmp}/berth-registry.XXXXXX") || return 1
	if [ "$_REGISTRY_OWNER" != "$BASHPID" ]; then
		# a subshell inherits the list, not the registries to stop
		_REGISTRY_DIRS=()
		_REGISTRY_OWNER=$BASHPID
	fi
	_REGISTRY_DIRS+=("$dir")
	berth_on_exit_once registry registry_stop_all
	mkdir "$dir/data"

	if [ -n "$htpasswd" ]; then
		command -v htpasswd >/dev/null || { _registry_fail "$dir" "htpasswd (apache2-utils) is missing"; return 1; }
		htpasswd -Bbn "${htpasswd%%:*}" "${htpasswd#*:}" >"$dir/htpasswd" 2>/dev/null ||
			{ _registry_fail "$dir" "htpasswd failed"; return 1; }
		auth="auth:
  htpasswd:
    realm: berth-test-registry
    path: $dir/htpasswd"
	fi
	if [ "$token" = 1 ]; then
		# the token server writes its certificate, then its port once it listens
		"$BERTH_PYTHON" "$REGISTRY_LIB_DIR/token-server.py" --cert "$dir/token.crt" \
			--port-file "$dir/token.port" --issuer "$issuer" --service "$service" \
			${user:+--user "$user"} </dev/null >"$dir/token.log" 2>&1 &
		tpid=$!
		echo "$tpid" >"$dir/token.pid"
		for i in $(seq 1 200); do
			[ -s "$dir/token.port" ] && break
			kill -0 "$tpid" 2>/dev/null || break
			sleep 0.05
		done
		[ -s "$dir/token.port" ] || { _registry_fail "$dir" "token server did not start"; return 1; }
		tport=$(cat "$dir/token.port")
		realm="http://127.0.0.1:$tport/token"
		auth="auth:
  token:
    realm: $realm
    service: $service
    issuer: $issuer
    rootcertbundle: $dir/token.crt"
	fi

	cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:0
  secret: $(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
$auth
EOF
	# a clean environment: docker-registry reads REGISTRY_* variables as
	# configuration (REGISTRY_LOG would replace the log section)
	# docker-registry has been seen to listen and never answer (accepted
	# connections, no reply): after 10 s without an answer, another one
	local attempt deadline
	for attempt in 1 2 3; do
		env -i PATH="$PATH" docker-registry serve "$dir/config.yml" </dev/null >"$dir/registry.log" 2>&1 &
		pid=$!
		echo "$pid" >"$dir/registry.pid"
		port=$(_registry_wait_port "$dir/registry.log" "$pid") ||
			{ _registry_fail "$dir" "docker-registry did not start"; return 1; }
		deadline=$((SECONDS + 10))
		code=000
		while [ "$SECONDS" -lt "$deadline" ]; do
			code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" 2>/dev/null) || code=000
			case "$code" in 200 | 401) break ;; esac
			sleep 0.05
		done
		case "$code" in 200 | 401) break ;; esac
		echo "registry_start: docker-registry on port $port did not answer in 10 s (attempt $attempt)" >&2
		_registry_kill "$dir/registry.pid"
	done
	case "$code" in 200 | 401) ;; *) _registry_fail "$dir" "GET /v2/ answers $code"; return 1 ;; esac

	export REGISTRY="127.0.0.1:$port" REGISTRY_PID=$pid REGISTRY_DIR=$dir
	export REGISTRY_LOG="$dir/registry.log"
	export REGISTRY_CREDS="${htpasswd:-$user}"
	if [ "$token" = 1 ]; then
		export REGISTRY_TOKEN_URL=$realm REGISTRY_TOKEN_PORT=$tport REGISTRY_TOKEN_PID=$tpid
		export REGISTRY_SERVICE=$service REGISTRY_TOKEN_LOG="$dir/token.log"
	else
		unset REGISTRY_TOKEN_URL REGISTRY_TOKEN_PORT REGISTRY_TOKEN_PID REGISTRY_SERVICE REGISTRY_TOKEN_LOG
	fi
}

_registry_kill() { # PIDFILE
	local pid _
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

registry_stop() {
	local dir=${1:-${REGISTRY_DIR:-}} d keep=()
	[ -n "$dir" ] || return 0
	case "${dir##*/}" in berth-registry.*) ;; *) echo "registry_stop: not a registry dir: $dir" >&2; return 1 ;; esac
	_registry_kill "$dir/registry.pid"
	_registry_kill "$dir/token.pid"
	rm -rf "$dir"
	for d in "${_REGISTRY_DIRS[@]}"; do
		[ "$d" = "$dir" ] || keep+=("$d")
	done
	_REGISTRY_DIRS=("${keep[@]}")
	if [ "${REGISTRY_DIR:-}" = "$dir" ]; then
		unset REGISTRY REGISTRY_PID REGISTRY_DIR REGISTRY_LOG REGISTRY_CREDS
		unset REGISTRY_TOKEN_URL REGISTRY_TOKEN_PORT REGISTRY_TOKEN_PID REGISTRY_SERVICE REGISTRY_TOKEN_LOG
	fi
}

registry_stop_all() {
	local d
	for d in "${_REGISTRY_DIRS[@]}"; do
		registry_stop "$d"
	done
	_REGISTRY_DIRS=()
}

registry_skopeo_inspect() { # REF [ARGS...]
	local ref=$1
	shift
	skopeo inspect --tls-verify=false ${REGISTRY_CREDS:+--creds "$REGISTRY_CREDS"} "$@" "docker://$REGISTRY/$ref"
}
