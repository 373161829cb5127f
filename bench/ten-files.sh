#!/bin/sh
# A ten-file set (hard links to the benchmark binlog, mysql-bin.000001…10, ~10 GiB)
# against the one file, in one run: `binlens index --no-cache` on each (best of RUNS,
# wall and CPU), the ratio (target <= 6x), then examples/set_probe.rs on the set:
# resident bytes per event (target <= 16), the TUI's first frame (<= 100 ms) and
# header filters over every event (<= 300 ms); and the two builds in process, without the
# exit.
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
r() { awk "BEGIN { printf \"%.1f\", $1 / $2 }"; }

cat "$file" >/dev/null
# The floor: the ten files as ten separate processes, two at a time (what two cores give
# for independent work on this machine). The three are measured in turn, RUNS rounds, the
# best of each kept: the machine's speed drifts over minutes.
floor="for f in 01 02 03 04 05; do $binlens index --no-cache $set_dir/mysql-bin.0000\$f; done &
for f in 06 07 08 09 10; do $binlens index --no-cache $set_dir/mysql-bin.0000\$f; done; wait"
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }
ow= oc= tw= tc= fw= fc= ob= tb=
probe=$target/release/examples/set_probe
i=0
while [ "$i" -lt "$runs" ]; do
    set -- $(python3 "$here/bench/lib/measure.py" 1 "$binlens" index --no-cache "$file")
    ow=$(best "$ow" "$1") oc=$(best "$oc" "$2")
    set -- $(python3 "$here/bench/lib/measure.py" 1 "$binlens" index --no-cache "$set_dir")
    tw=$(best "$tw" "$1") tc=$(best "$tc" "$2")
    set -- $(python3 "$here/bench/lib/measure.py" 1 sh -c "$floor")
    fw=$(best "$fw" "$1") fc=$(best "$fc" "$2")
    ob=$(best "$ob" "$("$probe" --build-only "$file")")
    tb=$(best "$tb" "$("$probe" --build-only "$set_dir")")
    i=$((i + 1))
done
echo "binlens index --no-cache, one file: wall $ow s  cpu $oc s"
echo "binlens index --no-cache, ten files: wall $tw s  cpu $tc s"
echo "ten separate processes, two at a time (the floor): wall $fw s  cpu $fc s"
echo "ratio (ten / one): wall $(r "$tw" "$ow")x  cpu $(r "$tc" "$oc")x (target <= 6x)"
echo "ratio (ten / floor): wall $(r "$tw" "$fw")x  cpu $(r "$tc" "$fc")x"
# The same builds in process, the clock stopped before the index is freed: the process's
# exit (the kernel freeing ~1.65 GB of index pages, ~0.2 s on one core) left out.
echo "in process, build only: one file $ob ms, ten files $tb ms, ratio $(r "$tb" "$ob")x"
"$probe" "$set_dir"
