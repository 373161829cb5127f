#!/bin/sh
# Reopening the index from its cache, against checking every page of that cache: the
# whole `binlens index` process from a warm cache (best of RUNS), then in process
# (examples/index_probe.rs) the reopen and the first use of every column, which checks
# each whole (what an open that checks the whole cache up front costs), in one run.
#   bench/reopen.sh [BINLOG] (default target/bench/mysql-bin.000001); RUNS=10 by default.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
file=${1:-$here/target/bench/mysql-bin.000001}
if [ ! -f "$file" ]; then
    echo "no benchmark binlog at $file (see bench/index.sh)" >&2
    exit 2
fi
runs=${RUNS:-10}
target=${CARGO_TARGET_DIR:-$here/target}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here" && cargo build --release --quiet --bin binlens --example index_probe)
binlens=$target/release/binlens
export XDG_CACHE_HOME="$tmp/xdg"

# Best wall time of $runs runs of a command, in milliseconds.
best_ms() {
    python3 - "$runs" "$@" <<'PY'
import subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
best = None
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    dt = (time.perf_counter() - t) * 1e3
    best = dt if best is None else min(best, dt)
print(f"{best:.1f}")
PY
}

"$binlens" index "$file" >/dev/null # writes the cache
cache=$(ls "$XDG_CACHE_HOME"/binlens/*.idx)
size=$(stat -c %s "$cache")
cat "$cache" >/dev/null # warm the page cache
whole=$(best_ms "$binlens" index "$file")
echo "cache: $size bytes"
echo "binlens index from the cache (whole process, its summary reads no column): $whole ms (target <= 25 ms)"
"$target/release/examples/index_probe" "$file" | grep -E 'reopen|first use' 
