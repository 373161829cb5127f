#!/bin/sh
# One row's history and a whole file's net effect, in one run each on one file:
# `binlens history --no-cache --table T --pk KEY` against `binlens index --no-cache` (the
# target is at most 3x: history builds the same index, then reads only that table's rows events
# and skips those whose row data lacks the key's bytes), each timed as a whole process
# (best of RUNS, warm page cache; wall and user+sys CPU); then `binlens diff` over the
# whole file with its peak anonymous memory, each also from the index cache (RssAnon sampled every 20 ms; the target is
# at most 256 MB: keys, not images) and its peak RSS (which also counts the mapped file).
#   bench/history.sh [BINLOG] [TABLE] [KEY] (default target/bench/mysql-bin.000001,
#   written on first use by ../shared/tools/big-binlog.sh, app.orders, 4242); RUNS=3.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
file=${1:-$here/target/bench/mysql-bin.000001}
table=${2:-app.orders}
key=${3:-4242}
if [ ! -f "$file" ]; then
  echo "writing a benchmark binlog to $(dirname "$file") with ../shared/tools/big-binlog.sh" >&2
  bash "$here/scripts/ensure-mariadb.sh"
  bash "$here/../shared/tools/big-binlog.sh" "$(dirname "$file")" >&2
fi
runs=${RUNS:-3}
target=${CARGO_TARGET_DIR:-$here/target}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$here" && cargo build --release --quiet --bin binlens)
binlens=$target/release/binlens

. "$here/bench/best.sh"

cat "$file" >/dev/null # warm the page cache
index=$(best "$binlens" index --no-cache "$file")
echo "binlens index --no-cache: wall $(echo "$index" | cut -d' ' -f1) s, cpu $(echo "$index" | cut -d' ' -f2) s"
hist=$(best "$binlens" history --no-cache --table "$table" --pk "$key" "$file")
echo "binlens history --no-cache --table $table --pk $key: wall $(echo "$hist" | cut -d' ' -f1) s, cpu $(echo "$hist" | cut -d' ' -f2) s, $(wc -l <"$tmp/out") lines"
ratio() { printf %.2f "$(echo "$(echo "$hist" | cut -d' ' -f"$1") / $(echo "$index" | cut -d' ' -f"$1")" | bc -l)"; }
echo "ratio: wall $(ratio 1)x, cpu $(ratio 2)x (target <= 3x)"
# As a DBA runs it: the index mapped from its cache (written by the first run).
export XDG_CACHE_HOME="$tmp/xdg"
"$binlens" index "$file" >/dev/null
cached=$(best "$binlens" history --table "$table" --pk "$key" "$file")
echo "binlens history from the cache: wall $(echo "$cached" | cut -d' ' -f1) s, cpu $(echo "$cached" | cut -d' ' -f2) s"

# diff: peak anonymous memory, sampled from /proc while it runs; the index built in
# memory (--no-cache), then mapped from the cache.
for how in --no-cache ""; do
    # shellcheck disable=SC2086 # $how is one flag or none
    /usr/bin/time -f "%e %M" -o "$tmp/dtime" "$binlens" diff --format json $how "$file" >"$tmp/diff" &
    pid=$!
    peak=0
    while kill -0 "$pid" 2>/dev/null; do
        child=$(pgrep -P "$pid" 2>/dev/null | head -n 1 || true)
        if [ -n "$child" ]; then
            a=$(awk '/^RssAnon/ {print $2}' "/proc/$child/status" 2>/dev/null || echo 0)
            if [ -n "$a" ] && [ "$a" -gt "$peak" ]; then peak=$a; fi
        fi
        sleep 0.02
    done
    wait "$pid"
    what=${how:-from the cache}
    echo "binlens diff (whole file, $what): wall $(cut -d' ' -f1 "$tmp/dtime") s, peak RssAnon $((peak / 1024)) MB (target <= 256), peak RSS with the mapped file $(($(cut -d' ' -f2 "$tmp/dtime") / 1024)) MB, $(wc -c <"$tmp/diff") bytes of JSON"
done
