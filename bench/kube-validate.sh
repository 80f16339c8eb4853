#!/usr/bin/env bash
# bench/kube-validate.sh: how fast `berth kube validate` checks a large
# manifest set, against the floor of only parsing the same YAML with libfyaml.
#
#   bench/kube-validate.sh            (or: make bench)
#
# Generates 5,000 objects of mixed kinds in 50 files of 100 documents each
# (bench/gen-manifests.py), builds bench/fy-parse.c, and times both in the
# same hyperfine run. Reports:
#   - mean time of berth and of the floor, and berth/floor   (goal <= 2.0)
#   - input size, berth's peak RSS, and RSS/input             (goal <= 3.0)
#
# Environment: BERTH (binary, default ./berth), RUNS (default 10), OBJECTS,
# FILES, BENCH_JSON (keep hyperfine's JSON export there), BENCH_STRICT=1
# (exit 1 when a goal is missed). Installs nothing.
set -euo pipefail

die() {
        echo "bench: $*" >&2
        exit 1
}

[[ -f bench/kube-validate.sh && -f VERSION ]] || die "run me from the repository root: bench/kube-validate.sh"

BERTH=${BERTH:-./berth}
RUNS=${RUNS:-10}
OBJECTS=${OBJECTS:-5000}
FILES=${FILES:-50}
CC=${CC:-cc}

command -v hyperfine >/dev/null || die "hyperfine not found: run scripts/deps (make deps) to install it"
command -v python3 >/dev/null || die "python3 not found: run scripts/deps (make deps)"
command -v "$CC" >/dev/null || die "$CC not found: run scripts/deps (make deps)"
pkg-config --exists libfyaml 2>/dev/null || die "libfyaml (pkg-config) not found: run scripts/deps (make deps)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) not found: run scripts/deps (make deps)"
[[ -x $BERTH ]] || die "$BERTH not found: run make first"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT

dir=$tmp/manifests
python3 bench/gen-manifests.py --objects "$OBJECTS" --files "$FILES" "$dir"
files=("$dir"/*.yaml)
bytes=$(cat -- "${files[@]}" | wc -c)

# shellcheck disable=SC2046 # pkg-config prints several flags, split on purpose
"$CC" -O2 -o "$tmp/fy-parse" bench/fy-parse.c $(pkg-config --cflags --libs libfyaml)

# Both must accept the input, or the timing compares different work.
"$tmp/fy-parse" "${files[@]}" || die "fy-parse rejected the generated manifests"
if ! "$BERTH" kube validate --quiet "$dir" >"$tmp/berth.out" 2>&1; then
        head -n 20 "$tmp/berth.out" >&2
        die "berth kube validate rejected the generated manifests (first lines above)"
fi

# -N: no shell in between, so a few milliseconds of sh startup do not blur
# the comparison. Paths are quoted for hyperfine's own word splitting.
berth_cmd=$(printf '%q ' "$BERTH" kube validate --quiet "$dir")
floor_cmd=$(printf '%q ' "$tmp/fy-parse" "${files[@]}")
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$tmp/hyperfine.json" \
        --command-name "berth kube validate" "$berth_cmd" \
        --command-name "fy-parse (floor)" "$floor_cmd"

# GNU time prints the peak RSS in KiB; --quiet keeps berth's own output empty.
/usr/bin/time -f %M -o "$tmp/rss" "$BERTH" kube validate --quiet "$dir" >/dev/null
rss_kib=$(tail -n 1 "$tmp/rss")

[[ -z ${BENCH_JSON:-} ]] || cp -- "$tmp/hyperfine.json" "$BENCH_JSON"

python3 - "$tmp/hyperfine.json" "$bytes" "$rss_kib" "$OBJECTS" "$FILES" "${BENCH_STRICT:-0}" <<'EOF'
import json
import sys

path, nbytes, rss_kib, objects, files, strict = sys.argv[1:]
nbytes, rss = int(nbytes), int(rss_kib) * 1024
res = {r["command"]: r for r in json.load(open(path))["results"]}
berth, floor = res["berth kube validate"], res["fy-parse (floor)"]
t_ratio = berth["mean"] / floor["mean"]
m_ratio = rss / nbytes


def verdict(ok):
    return "goal met" if ok else "goal MISSED"


print()
print(f"input:        {objects} objects in {files} files, {nbytes} bytes ({nbytes / 2**20:.1f} MiB)")
print(f"berth:        {berth['mean'] * 1000:8.1f} ms  (+/- {berth['stddev'] * 1000:.1f})")
print(f"floor:        {floor['mean'] * 1000:8.1f} ms  (+/- {floor['stddev'] * 1000:.1f})  libfyaml parse only")
print(f"time ratio:   {t_ratio:8.2f}     berth/floor, goal <= 2.0: {verdict(t_ratio <= 2.0)}")
print(f"berth RSS:    {rss / 2**20:8.1f} MiB peak")
print(f"memory ratio: {m_ratio:8.2f}     RSS/input, goal <= 3.0: {verdict(m_ratio <= 3.0)}")
sys.exit(1 if strict == "1" and (t_ratio > 2.0 or m_ratio > 3.0) else 0)
EOF
