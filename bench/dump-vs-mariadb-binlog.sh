#!/bin/sh
# `binlens dump --format jsonl|text`, on one thread and on two, against
# `mariadb-binlog --base64-output=decode-rows -vv` on the same binlog, in one run: wall
# clock and CPU (best of RUNS), the peak anonymous memory (RssAnon) of each, and the
# ratios. With CHECK=1 it also checks that both thread counts write the same bytes.
#   bench/dump-vs-mariadb-binlog.sh [BINLOG] (default target/bench/mysql-bin.000001,
#   written on first use by ../shared/tools/big-binlog.sh); RUNS=1 by default.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
file=${1:-$here/target/bench/mysql-bin.000001}
if [ ! -f "$file" ]; then
    echo "writing a benchmark binlog to $(dirname "$file") with ../shared/tools/big-binlog.sh" >&2
    bash "$here/scripts/ensure-mariadb.sh"
    bash "$here/../shared/tools/big-binlog.sh" "$(dirname "$file")" >&2
fi
runs=${RUNS:-1}
target=${CARGO_TARGET_DIR:-$here/target}
(cd "$here" && cargo build --release --quiet --bin binlens)
binlens=$target/release/binlens
measure="python3 $here/bench/lib/measure.py $runs"
r() { awk "BEGIN { printf \"%.1f\", $1 / $2 }"; }

cat "$file" >/dev/null
set -- $($measure mariadb-binlog --no-defaults --base64-output=decode-rows -vv "$file")
mw=$1 mc=$2 mm=$3
echo "file: $file ($(stat -c %s "$file") bytes)"
echo "mariadb-binlog -vv decode-rows: wall $mw s  cpu $mc s  peak RssAnon $mm MB"
for format in jsonl text; do
    for threads in 1 2; do
        set -- $($measure "$binlens" dump --format "$format" --threads "$threads" "$file")
        echo "binlens dump --format $format --threads $threads: wall $1 s  cpu $2 s  peak RssAnon $3 MB" \
            " ratio (mariadb-binlog / binlens): wall $(r "$mw" "$1")x  cpu $(r "$mc" "$2")x"
    done
    if [ "${CHECK:-0}" = 1 ]; then
        a=$("$binlens" dump --format "$format" --threads 1 "$file" | sha256sum)
        b=$("$binlens" dump --format "$format" --threads 2 "$file" | sha256sum)
        [ "$a" = "$b" ] && echo "  --threads 1 and 2 write the same bytes" || echo "  OUTPUT DIFFERS"
    fi
done
echo "(target: wall >= 15x on 2 cores)"
