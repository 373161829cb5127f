#!/bin/sh
# Index build against the floor, in one run on one file: the bare header walk
# (../shared/tools/limit/header-walk.c) and `binlens index --no-cache`, each timed as
# a whole process (best of RUNS, warm page cache; wall and user+sys CPU), then the
# ratios; then the in-process
# figures of examples/index_probe.rs: resident bytes per event, cache reopen, time
# lookup, all events of the busiest table.
#   bench/index.sh [BINLOG] (default target/bench/mysql-bin.000001, written on first use by
#   ../shared/tools/big-binlog.sh); RUNS=3 by default.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
file=${1:-$here/target/bench/mysql-bin.000001}
if [ ! -f "$file" ]; then
  echo "writing a benchmark binlog to $(dirname "$file") with ../shared/tools/big-binlog.sh" >&2
  bash "$here/scripts/ensure-mariadb.sh"
  bash "$here/../shared/tools/big-binlog.sh" "$(dirname "$file")" >&2
fi
runs=${RUNS:-3}
walk_src=${HEADER_WALK:-$here/../shared/tools/limit/header-walk.c}
target=${CARGO_TARGET_DIR:-$here/target}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cc -O2 -o "$tmp/header-walk" "$walk_src"
(cd "$here" && cargo build --release --quiet --bin binlens --example index_probe)
binlens=$target/release/binlens

. "$here/bench/best.sh"

cat "$file" >/dev/null # warm the page cache
walk=$(best "$tmp/header-walk" "$file")
echo "header-walk: wall $(echo "$walk" | cut -d' ' -f1) s, cpu $(echo "$walk" | cut -d' ' -f2) s   $(cat "$tmp/out")"
index=$(best "$binlens" index --no-cache "$file")
echo "binlens index --no-cache: wall $(echo "$index" | cut -d' ' -f1) s, cpu $(echo "$index" | cut -d' ' -f2) s   $(cat "$tmp/out")"
ratio() { printf %.2f "$(echo "$(echo "$index" | cut -d' ' -f"$1") / $(echo "$walk" | cut -d' ' -f"$1")" | bc -l)"; }
echo "ratio: wall $(ratio 1)x, cpu $(ratio 2)x (target <= 2x)"
XDG_CACHE_HOME=$tmp/xdg "$binlens" index "$file" >/dev/null
reopen=$(XDG_CACHE_HOME=$tmp/xdg best "$binlens" index "$file")
echo "binlens index (from the cache, whole process): wall $(echo "$reopen" | cut -d' ' -f1) s"
"$target/release/examples/index_probe" "$file"
