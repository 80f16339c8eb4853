#!/usr/bin/env bash
# tests/e2e/test-kube-podman.sh: the same manifests played by `podman kube
# play` and by `berth kube play` give the same environment inside the
# containers. Each container prints what it sees (env, hostname, /etc/hosts,
# id, the mount points of its volumes, files of its volumes) and exits with
# a code of its own; the two outputs, put in the same form, and the exit
# codes must match. What is compared is what a container sees, not how
# either engine keeps its records.
#
# Both engines pull one busybox-static image from one local registry.
# podman is Debian's podman 4.3, run with bench/run.sh's settings (cgroupfs,
# runc, netavark, k8s-file logs, a store of its own); its pods' infra
# container runs berth-pause from a one-file image pushed to the same
# registry, since Debian's podman looks for catatonit to build its own and
# scripts/deps does not install catatonit. The test skips when podman
# cannot run a container here, and says why.
#
# The manifests stay within what podman 4.3 does as Kubernetes does. Where
# podman 4.3 departs from Kubernetes, berth follows Kubernetes and this test
# leaves the feature to tests/e2e/test-kube.sh: envFrom's prefix (podman
# drops it), $(VAR) references in env values (podman leaves them as they
# are), Secrets given in the same YAML (podman wants its own secret store:
# a secretKeyRef fails, a secret volume crashes it), the metadata.namespace
# fieldRef (podman refuses it), configMap volumes being read-only and their
# ..data symlinks (podman mounts plain files read-write).
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
. tests/lib/registry.sh
. tests/lib/images.sh
. tests/lib/exit.sh

S=$(mktemp -d "${TMPDIR:-/tmp}/berth-kube-podman.XXXXXX")
berth_on_exit "rm -rf '$S'"
berth_on_exit "umount -R '$S/podman/root/overlay' 2>/dev/null || true"
IMG=""

# podman and berth, each with a store of its own under $S
P=(podman --root "$S/podman/root" --runroot "$S/podman/run" --storage-driver overlay)
B=("$BERTH" --root "$S/berth/root" --runroot "$S/berth/run")
p() { "${P[@]}" "$@"; }
b() { "${B[@]}" "$@"; }

# an image holding berth-pause as /pause, for podman's infra containers
pause_image() { # NAME:TAG
	local dir=$S/pause-image pause
	pause=$(dirname "$BERTH")/berth-pause
	[ -x "$pause" ] || pause=$(command -v berth-pause) || return 1
	# a sanitizer build's is not static: the image needs one that is
	if ldd "$pause" 2>/dev/null | grep -q '=>'; then
		mkdir -p "$dir" && cc -static -O2 -o "$dir/pause" pause/berth-pause.c || return 1
		pause=$dir/pause
	fi
	umoci init --layout "$dir/oci" &&
		umoci new --image "$dir/oci:latest" &&
		umoci unpack --image "$dir/oci:latest" "$dir/bundle" >/dev/null &&
		cp "$pause" "$dir/bundle/rootfs/pause" &&
		umoci repack --image "$dir/oci:latest" "$dir/bundle" &&
		umoci config --image "$dir/oci:latest" --config.entrypoint /pause &&
		skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$dir/oci:latest" \
			"docker://$REGISTRY/$1" >/dev/null
}

suite_setup() {
	local m out
	command -v podman >/dev/null || { SETUP_SKIP="podman is not installed"; return 0; }
	m=$(registry_missing; images_missing)
	[ -x /usr/lib/podman/netavark ] || [ -x /usr/libexec/podman/netavark ] || m="$m netavark"
	command -v runc >/dev/null || m="$m runc"
	if [ -n "${m// /}" ]; then
		SETUP_SKIP="missing: ${m//$'\n'/ }"
		return 0
	fi
	images_cache_init
	# shellcheck disable=SC2119 # no options
	registry_start >/dev/null
	mkdir -p "$S/podman/networks" "$S/berth"
	printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REGISTRY" >"$S/registries.conf"
	export CONTAINERS_REGISTRIES_CONF=$S/registries.conf
	# PEERS.md's settings; the networks podman makes stay in $S
	cat >"$S/containers.conf" <<-CONF
		[containers]
		log_driver = "k8s-file"
		default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=32768:32768"]
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		runtime = "runc"
		infra_image = "$REGISTRY/podman-pause:1.0"
		[network]
		network_backend = "netavark"
		network_config_dir = "$S/podman/networks"
	CONF
	export CONTAINERS_CONF=$S/containers.conf
	# a tag other than latest: its default pull policy is IfNotPresent,
	# so neither engine pulls while it plays
	image_busybox busybox:1.0 >/dev/null || { SETUP_FAIL="image_busybox failed"; return 0; }
	pause_image podman-pause:1.0 || { SETUP_FAIL="the pause image for podman failed"; return 0; }
	IMG=$REGISTRY/busybox:1.0
	b pull -q "$IMG" >/dev/null || { SETUP_FAIL="berth pull $IMG failed"; return 0; }
	if ! out=$(p pull -q "$IMG" 2>&1 && p pull -q "$REGISTRY/podman-pause:1.0" 2>&1 &&
		p run --rm --network none "$IMG" true 2>&1); then
		SETUP_SKIP="podman cannot run a container here: $(echo "$out" | tail -1)"
		return 0
	fi
}

SETUP_SKIP=""
SETUP_FAIL=""
suite_setup

need() {
	[ -z "$SETUP_SKIP" ] || skip "$SETUP_SKIP"
	[ -z "$SETUP_FAIL" ] || fail "setup: $SETUP_FAIL"
	berth_on_exit cleanup
}

# what a test leaves goes when it ends, pass or fail
cleanup() {
	[ -f "$T/m.yaml" ] || return 0
	p kube down "$T/m.yaml" >/dev/null 2>&1
	b kube down "$T/m.yaml" >/dev/null 2>&1
	true
}

# What each container runs: it prints what it sees, section by section,
# then exits with the code it is given. Volumes are mounted under /v/
# (read-only ones under /v/ro-), so that the mount points of the volumes
# can be told from the engine's own (/proc, /dev, /etc/hosts...).
# shellcheck disable=SC2016 # expanded in the container
SHOW='echo "== env"; env | busybox sort
echo "== hostname"; hostname
echo "== hosts"; cat /etc/hosts
echo "== id"; id
echo "== pwd"; pwd
echo "== mounts"
busybox awk '"'"'$5 ~ "^/v/" { split($6, o, ","); print $5, ($5 ~ "^/v/ro-" ? o[1] : "") }'"'"' /proc/self/mountinfo | busybox sort
echo "== files"
for f in /v/*/*; do [ -f "$f" ] && printf "%s: " "$f" && busybox tr "\n" " " <"$f" && echo; done
true'

# container NAME EXIT [FIRST]: a container of $IMG that runs the shell
# code FIRST, shows what it sees, says "== end" and exits with EXIT, or
# with EXIT "stay" runs until SIGTERM (YAML, indented for a pod's
# containers: list). No $(...) in the script: Kubernetes expands $(NAME)
# in args.
container() {
	local script end="exit $2"
	[ "$2" != stay ] || end='trap "exit 0" TERM; sleep 1000 & wait'
	script=$({ [ -z "${3:-}" ] || echo "$3"; printf '%s\necho "== end"\n%s\n' "$SHOW" "$end"; } |
		sed 's/^/        /')
	cat <<-YAML
	  - name: $1
	    image: $IMG
	    command: [sh, -c]
	    args:
	      - |
	$script
	YAML
}

# Put a container's output in one form. Left out, because they differ
# for reasons that are not the environment a manifest asks for:
#   env: container= (berth sets container=berth, the systemd convention
#        by which a program tells it runs in a container; podman 4.3's
#        kube play sets none and writes /run/.containerenv instead).
#   /etc/hosts: podman copies the host's own /etc/hosts and adds
#        host.containers.internal, the infra container's name and the
#        container's name; berth writes the kubelet's file. What is
#        compared: 127.0.0.1 localhost, the pod's hostname (not its
#        address: podman's kube network is 10.89.0.0/24, berth's pods are
#        on 10.88.0.0/16) and the hostAliases (198.51.100.0/24 here), one
#        line per address and name (podman writes one line per name).
#        With hostNetwork (HOSTNET=1) the pod's hostname is left out too:
#        podman then writes the host's file and no line for it, berth a
#        127.0.1.1 line as Debian does for a host's own name (Kubernetes
#        gives such a pod the node's file).
#   id: a uid the image's /etc/passwd does not know is shown by podman as
#        uid=N(N): podman adds an /etc/passwd line for it, Kubernetes
#        does not.
#   mounts: only where under /v/, and rw/ro only under /v/ro-, since the
#        engines mount /proc, /dev, /sys and the /etc files their own way.
normalize() { # RAW-OUTPUT EXIT-CODE
	"$BERTH_PYTHON" - "$1" "$2" <<-'PY'
		import os, re, sys
		raw, code = sys.argv[1], sys.argv[2]
		hostnet = os.environ.get("HOSTNET") == "1"
		sections, cur = {}, None
		for line in open(raw, errors="replace").read().splitlines():
		    if line.startswith("== "):
		        cur = line[3:]
		        sections[cur] = []
		    elif cur and cur != "end":
		        sections[cur].append(line)
		host = (sections.get("hostname") or [""])[0]
		print("== env")
		for l in sections.get("env", []):
		    if not l.startswith("container="):
		        print(l)
		for k in ("hostname", "id", "pwd"):
		    print("==", k)
		    for l in sections.get(k, []):
		        print(re.sub(r"\b(uid|gid)=(\d+)\(\2\)", r"\1=\2", l) if k == "id" else l)
		print("== hosts")
		pairs = set()
		for l in sections.get("hosts", []):
		    f = l.split("#")[0].split()
		    for name in f[1:]:
		        if name == host and name != "localhost":
		            if not hostnet:
		                pairs.add(("POD", name))
		        elif (f[0], name) == ("127.0.0.1", "localhost") or f[0].startswith("198.51.100."):
		            pairs.add((f[0], name))
		for ip, name in sorted(pairs):
		    print(ip, name)
		print("== mounts")
		print("\n".join(l.rstrip() for l in sections.get("mounts", [])))
		print("== files")
		print("\n".join(sections.get("files", [])))
		print("== exit")
		print(code)
	PY
}

# play ENGINE CONTAINER...: play $T/m.yaml with ENGINE (p or b), wait for
# each container to say "== end" (and to exit, unless $STAY is set), keep
# what it printed, put in one form, in $T/ENGINE/CONTAINER; then take the
# pods down
play() {
	local e=$1 c code i cmd
	shift
	mkdir -p "$T/$e"
	$e kube play "$T/m.yaml" >"$T/$e.play" 2>&1 || fail "$e kube play: $(cat "$T/$e.play")"
	for c in "$@"; do
		for i in $(seq 1 300); do
			$e logs "$c" >"$T/$e/$c.raw" 2>&1 && grep -q '^== end$' "$T/$e/$c.raw" && break
			[ "$i" -lt 300 ] || fail "$e: $c did not finish in 30 s: $(cat "$T/$e/$c.raw")"
			sleep 0.1
		done
		code=running
		if [ -z "${STAY:-}" ]; then
			if [ "$e" = p ]; then cmd=("${P[@]}"); else cmd=("${B[@]}"); fi
			code=$(timeout 60 "${cmd[@]}" wait "$c" 2>"$T/$e.err") ||
				fail "$e wait $c: $(cat "$T/$e.err")"
		fi
		normalize "$T/$e/$c.raw" "$code" >"$T/$e/$c"
	done
	$e kube down "$T/m.yaml" >"$T/$e.down" 2>&1 || fail "$e kube down: $(cat "$T/$e.down")"
}

# compare CONTAINER...: play $T/m.yaml with podman, then with berth, and
# compare what each CONTAINER printed
compare() {
	local c bad=""
	play p "$@"
	play b "$@"
	for c in "$@"; do
		if ! diff -u --label "podman: $c" --label "berth: $c" "$T/p/$c" "$T/b/$c" >"$T/$c.diff"; then
			cat "$T/$c.diff" >&2
			bad="$bad $c"
		fi
	done
	[ -z "$bad" ] || fail "the containers see different things:$bad"
}

test_env_hostname_user_volumes_exit_code() {
	need
	mkdir -p "$T/host"
	echo "from the host" >"$T/host/file"
	cat >"$T/m.yaml" <<-YAML
	apiVersion: v1
	kind: ConfigMap
	metadata:
	  name: compat-config
	data:
	  COLOR: blue
	  greeting.txt: hello
	---
	apiVersion: v1
	kind: Pod
	metadata:
	  name: compat
	  labels:
	    app: compat
	spec:
	  restartPolicy: Never
	  hostname: myhost
	  hostAliases:
	    - ip: 198.51.100.10
	      hostnames: [alias.example, alias2]
	  securityContext:
	    runAsUser: 1000
	    runAsGroup: 1000
	    supplementalGroups: [2000]
	  containers:
	$(container show 3)
	    workingDir: /tmp
	    env:
	      - name: PLAIN
	        value: plain value
	      - name: COLOR_FROM_CM
	        valueFrom:
	          configMapKeyRef: {name: compat-config, key: COLOR}
	      - name: POD_NAME
	        valueFrom:
	          fieldRef: {fieldPath: metadata.name}
	    envFrom:
	      - configMapRef: {name: compat-config}
	    volumeMounts:
	      - {name: scratch, mountPath: /v/scratch}
	      - {name: config, mountPath: /v/config}
	      - {name: host, mountPath: /v/ro-host, readOnly: true}
	  volumes:
	    - name: scratch
	      emptyDir: {}
	    - name: config
	      configMap: {name: compat-config}
	    - name: host
	      hostPath: {path: $T/host, type: Directory}
	YAML
	compare compat-show
}

test_defaults_root_pod_name_exit_0() {
	need
	cat >"$T/m.yaml" <<-YAML
	apiVersion: v1
	kind: Pod
	metadata:
	  name: plain
	spec:
	  restartPolicy: Never
	  containers:
	$(container app 0)
	YAML
	compare plain-app
}

test_run_as_user_alone_known_and_unknown_uid() {
	need
	cat >"$T/m.yaml" <<-YAML
	apiVersion: v1
	kind: Pod
	metadata:
	  name: uidonly
	spec:
	  restartPolicy: Never
	  containers:
	$(container known 0)
	    securityContext: {runAsUser: 1000}
	$(container unknown 0)
	    securityContext: {runAsUser: 4242}
	YAML
	compare uidonly-known uidonly-unknown
}

test_two_containers_and_an_init_container_share_an_emptydir() {
	need
	cat >"$T/m.yaml" <<-YAML
	apiVersion: v1
	kind: Pod
	metadata:
	  name: pair
	spec:
	  restartPolicy: Never
	  initContainers:
	$(container init 0 'echo "from init" >/v/shared/init')
	    volumeMounts:
	      - {name: shared, mountPath: /v/shared}
	  containers:
	$(container writer 0 'echo "from writer" >/v/shared/writer')
	    volumeMounts:
	      - {name: shared, mountPath: /v/shared}
	$(container reader 5 'while [ ! -f /v/shared/writer ]; do sleep 0.1; done')
	    volumeMounts:
	      - {name: shared, mountPath: /v/shared}
	  volumes:
	    - name: shared
	      emptyDir: {}
	YAML
	compare pair-writer pair-reader
}

test_host_network() {
	need
	cat >"$T/m.yaml" <<-YAML
	apiVersion: v1
	kind: Pod
	metadata:
	  name: onhost
	spec:
	  restartPolicy: Never
	  hostNetwork: true
	  containers:
	$(container app 7)
	YAML
	HOSTNET=1 compare onhost-app
}

test_deployment_replicas() {
	need
	cat >"$T/m.yaml" <<-YAML
	apiVersion: apps/v1
	kind: Deployment
	metadata:
	  name: replicas
	  labels:
	    app: replicas
	spec:
	  replicas: 2
	  selector:
	    matchLabels:
	      app: replicas
	  template:
	    metadata:
	      labels:
	        app: replicas
	    spec:
	      containers:
	$(container app stay | sed 's/^/    /')
	        env:
	          - name: POD_NAME
	            valueFrom:
	              fieldRef: {fieldPath: metadata.name}
	YAML
	STAY=1 compare replicas-pod-0-app replicas-pod-1-app
}

run_tests
