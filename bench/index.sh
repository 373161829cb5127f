#!/bin/sh
# Index build against the floor, in one run on one file: the bare header walk
# (../shared/tools/limit/header-walk.c) and `binlens index --no-cache`, each timed as
# a whole process (best of RUNS, warm page cache), then the ratio; then the in-process
# figures of examples/index_probe.rs: resident bytes per event, cache reopen, time
# lookup, all events of the busiest table.
#   bench/index.sh [BINLOG] (default /work/big/mysql-bin.000001); RUNS=3 by default.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
file=${1:-/work/big/mysql-bin.000001}
runs=${RUNS:-3}
walk_src=${HEADER_WALK:-$here/../shared/tools/limit/header-walk.c}
target=${CARGO_TARGET_DIR:-$here/target}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cc -O2 -o "$tmp/header-walk" "$walk_src"
(cd "$here" && cargo build --release --quiet --bin binlens --example index_probe)
binlens=$target/release/binlens

# Best wall time of $runs runs of a command, in seconds.
best() {
    b=""
    i=0
    while [ "$i" -lt "$runs" ]; do
        s=$(date +%s.%N)
        "$@" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 2; }
        e=$(date +%s.%N)
        t=$(echo "$e - $s" | bc -l)
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
        i=$((i + 1))
    done
    echo "$b"
}

cat "$file" >/dev/null # warm the page cache
walk=$(best "$tmp/header-walk" "$file")
echo "header-walk: $(printf %.3f "$walk") s   $(cat "$tmp/out")"
index=$(best "$binlens" index --no-cache "$file")
echo "binlens index --no-cache: $(printf %.3f "$index") s   $(cat "$tmp/out")"
echo "ratio: $(printf %.2f "$(echo "$index / $walk" | bc -l)")x (target <= 2x)"
XDG_CACHE_HOME=$tmp/xdg "$binlens" index "$file" >/dev/null
reopen=$(XDG_CACHE_HOME=$tmp/xdg best "$binlens" index "$file")
echo "binlens index (from the cache, whole process): $(printf %.3f "$reopen") s"
"$target/release/examples/index_probe" "$file"
