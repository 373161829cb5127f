#!/bin/sh
# A free-text filter over the benchmark binlog against the header walk (the floor,
# ../shared/tools/limit/header-walk.c), in one run: each whole process (best of RUNS,
# wall and CPU), `binlens dump --filter TEXT` reading its index from a warm cache, then
# in process (examples/filter_probe.rs, as the TUI runs it on an open index) the whole
# filter, the first batch of matches, and a search from the start and from the middle.
#   bench/filter.sh [BINLOG] [TEXT...] (default target/bench/mysql-bin.000001 and
#   u123456@example); RUNS=3 by default. Target: the filter within 3x the header walk.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
file=${1:-$here/target/bench/mysql-bin.000001}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- u123456@example
if [ ! -f "$file" ]; then
    echo "no benchmark binlog at $file (see bench/index.sh)" >&2
    exit 2
fi
runs=${RUNS:-3}
target=${CARGO_TARGET_DIR:-$here/target}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here" && cargo build --release --quiet --bin binlens --example filter_probe)
cc -O2 -o "$tmp/header-walk" "$here/../shared/tools/limit/header-walk.c"
binlens=$target/release/binlens
export XDG_CACHE_HOME="$tmp/xdg"
measure="python3 $here/bench/lib/measure.py $runs"
r() { awk "BEGIN { printf \"%.1f\", $1 / $2 }"; }

"$binlens" index "$file" >/dev/null # writes the cache
cat "$file" >/dev/null
walk=$($measure "$tmp/header-walk" "$file")
hw=$(echo "$walk" | cut -d' ' -f1) hc=$(echo "$walk" | cut -d' ' -f2)
echo "file: $file ($(stat -c %s "$file") bytes)"
echo "header-walk: wall $hw s  cpu $hc s"
for text in "$@"; do
    got=$($measure "$binlens" dump --filter "$text" "$file")
    w=$(echo "$got" | cut -d' ' -f1) c=$(echo "$got" | cut -d' ' -f2)
    echo "binlens dump --filter '$text': wall $w s  cpu $c s  ratio to the header walk: wall $(r "$w" "$hw")x (target <= 3x)"
done
"$target/release/examples/filter_probe" "$file" "$@"
