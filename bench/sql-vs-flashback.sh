#!/bin/sh
# `binlens sql --redo` and `--undo` against `mariadb-binlog --flashback
# --base64-output=decode-rows -vv` on the same binlog, in one run: wall clock and CPU
# (best of RUNS) and the peak anonymous memory (RssAnon) of each, then the ratios.
# binlens reads its index from a warm cache (mapped, not held); the first run writes it.
#   bench/sql-vs-flashback.sh [BINLOG] (default target/bench/mysql-bin.000001); RUNS=1.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
file=${1:-$here/target/bench/mysql-bin.000001}
if [ ! -f "$file" ]; then
    echo "no benchmark binlog at $file (see bench/index.sh)" >&2
    exit 2
fi
runs=${RUNS:-1}
target=${CARGO_TARGET_DIR:-$here/target}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here" && cargo build --release --quiet --bin binlens)
binlens=$target/release/binlens
export XDG_CACHE_HOME="$tmp/xdg"
measure="python3 $here/bench/lib/measure.py $runs"

"$binlens" index "$file" >/dev/null # writes the cache
cat "$file" >/dev/null
set -- $($measure "$binlens" sql --redo "$file"); redo_w=$1 redo_c=$2 redo_m=$3
set -- $($measure "$binlens" sql --undo "$file"); undo_w=$1 undo_c=$2 undo_m=$3
set -- $($measure mariadb-binlog --no-defaults --flashback --base64-output=decode-rows -vv "$file")
mb_w=$1 mb_c=$2 mb_m=$3
r() { awk "BEGIN { printf \"%.1f\", $1 / $2 }"; }
echo "file: $file ($(stat -c %s "$file") bytes)"
echo "binlens sql --redo:            wall $redo_w s  cpu $redo_c s  peak RssAnon $redo_m MB"
echo "binlens sql --undo:            wall $undo_w s  cpu $undo_c s  peak RssAnon $undo_m MB"
echo "mariadb-binlog --flashback -vv: wall $mb_w s  cpu $mb_c s  peak RssAnon $mb_m MB"
echo "ratio (mariadb-binlog / binlens): redo wall $(r "$mb_w" "$redo_w")x cpu $(r "$mb_c" "$redo_c")x," \
    "undo wall $(r "$mb_w" "$undo_w")x cpu $(r "$mb_c" "$undo_c")x (target >= 5x; memory <= 64 MB)"
