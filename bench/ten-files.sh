#!/bin/sh
# A ten-file set (hard links to the benchmark binlog, mysql-bin.000001…10, ~10 GiB)
# against the one file, in one run: the set indexed and held whole (best of RUNS, wall
# and CPU; the ratio's target <= 6x), `binlens index --no-cache` (file by file: its
# memory one file's index per thread) and the floor; then examples/set_probe.rs on the
# set: resident bytes per event (target <= 16), the TUI's first frame (<= 100 ms) and
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
r() { awk "BEGIN { printf \"%.1f\", $1 / $2 }"; }

cat "$file" >/dev/null
# The floor: the ten files as ten separate processes, two at a time (what two cores give
# for independent work on this machine). Each is measured in turn, RUNS rounds, the best
# of each kept: the machine's speed drifts over minutes.
#   - `binlens index --no-cache`, which indexes a set file by file (one file's index per
#     thread, dropped before the next), on the one file and on the set;
#   - the set held whole, as the TUI, `dump` and `sql` hold it without a cache
#     (examples/set_probe.rs --build-only: the build, then the index freed and the process
#     gone), on the one file and on the set; and the same build timed in process, the
#     clock stopped before the index is freed.
floor="for f in 01 02 03 04 05; do $binlens index --no-cache $set_dir/mysql-bin.0000\$f; done &
for f in 06 07 08 09 10; do $binlens index --no-cache $set_dir/mysql-bin.0000\$f; done; wait"
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }
most() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b > a) ? b : a }'; }
ow= oc= tw= tc= tm= fw= fc= hw= hc= hm= sw= sc= ob= tb=
probe=$target/release/examples/set_probe
measure() { python3 "$here/bench/lib/measure.py" 1 "$@"; }
i=0
while [ "$i" -lt "$runs" ]; do
    set -- $(measure "$binlens" index --no-cache "$file")
    ow=$(best "$ow" "$1") oc=$(best "$oc" "$2")
    set -- $(measure "$binlens" index --no-cache "$set_dir")
    tw=$(best "$tw" "$1") tc=$(best "$tc" "$2") tm=$(most "$tm" "$3")
    set -- $(measure sh -c "$floor")
    fw=$(best "$fw" "$1") fc=$(best "$fc" "$2")
    set -- $(measure "$probe" --build-only "$file")
    sw=$(best "$sw" "$1") sc=$(best "$sc" "$2")
    set -- $(measure "$probe" --build-only "$set_dir")
    hw=$(best "$hw" "$1") hc=$(best "$hc" "$2") hm=$(most "$hm" "$3")
    ob=$(best "$ob" "$("$probe" --build-only "$file")")
    tb=$(best "$tb" "$("$probe" --build-only "$set_dir")")
    i=$((i + 1))
done
echo "one file, binlens index --no-cache: wall $ow s  cpu $oc s"
echo "ten files, binlens index --no-cache (file by file): wall $tw s  cpu $tc s  peak RssAnon $tm MB"
echo "ten separate processes, two at a time (the floor): wall $fw s  cpu $fc s"
echo "one file held (set_probe --build-only): wall $sw s  cpu $sc s"
echo "ten files held whole (set_probe --build-only): wall $hw s  cpu $hc s  peak RssAnon $hm MB"
echo "ratio, the set held whole (ten / one): wall $(r "$hw" "$sw")x  cpu $(r "$hc" "$sc")x (target <= 6x)"
echo "ratio, binlens index (ten / one): wall $(r "$tw" "$ow")x  cpu $(r "$tc" "$oc")x"
echo "ratio (floor / one): wall $(r "$fw" "$ow")x; held whole / floor $(r "$hw" "$fw")x, binlens index / floor $(r "$tw" "$fw")x"
# The exit of a process holding the set frees ~1.65 GB of index pages, ~0.15-0.2 s on one
# core: left out here.
echo "held whole, in process, build only: one file $ob ms, ten files $tb ms, ratio $(r "$tb" "$ob")x"
# The set held whole from its caches (written first where missing): every file's columns
# are mapped, segments of the set's (nothing copied but the per-64-event time maxima).
"$probe" --cached "$file" >/dev/null
"$probe" --cached "$set_dir" >/dev/null
set -- $(python3 "$here/bench/lib/measure.py" "$runs" "$probe" --cached "$set_dir")
echo "held whole from the caches, in process: one file $("$probe" --cached "$file") ms," \
    "ten files $("$probe" --cached "$set_dir") ms; peak RssAnon for the ten $3 MB"
"$probe" "$set_dir"
