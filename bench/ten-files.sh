#!/bin/sh
# A ten-file set (hard links to the benchmark binlog, mysql-bin.000001…10, ~10 GiB)
# against the one file, in one run: `binlens index --no-cache` on each (best of RUNS,
# wall and CPU), the ratio (target <= 6x), then examples/set_probe.rs on the set:
# resident bytes per event (target <= 16), the TUI's first frame (<= 100 ms) and
# header filters over every event (<= 300 ms).
#   bench/ten-files.sh [BINLOG] [SETDIR] (defaults target/bench/mysql-bin.000001 and
#   target/bench/ten); RUNS=3.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
file=${1:-$here/target/bench/mysql-bin.000001}
set_dir=${2:-$here/target/bench/ten}
if [ ! -f "$file" ]; then
    echo "no benchmark binlog at $file (see bench/index.sh)" >&2
    exit 2
fi
mkdir -p "$set_dir"
for i in 01 02 03 04 05 06 07 08 09 10; do
    [ -e "$set_dir/mysql-bin.0000$i" ] || ln "$file" "$set_dir/mysql-bin.0000$i" 2>/dev/null ||
        cp "$file" "$set_dir/mysql-bin.0000$i"
done
runs=${RUNS:-3}
target=${CARGO_TARGET_DIR:-$here/target}
(cd "$here" && cargo build --release --quiet --bin binlens --example set_probe)
binlens=$target/release/binlens
measure="python3 $here/bench/lib/measure.py $runs"
r() { awk "BEGIN { printf \"%.1f\", $1 / $2 }"; }

cat "$file" >/dev/null
set -- $($measure "$binlens" index --no-cache "$file"); ow=$1 oc=$2
set -- $($measure "$binlens" index --no-cache "$set_dir"); tw=$1 tc=$2
echo "binlens index --no-cache, one file: wall $ow s  cpu $oc s"
echo "binlens index --no-cache, ten files: wall $tw s  cpu $tc s"
echo "ratio (ten / one): wall $(r "$tw" "$ow")x  cpu $(r "$tc" "$oc")x (target <= 6x)"
"$target/release/examples/set_probe" "$set_dir"
