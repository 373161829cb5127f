#!/bin/sh
# `binlens stats` against `binlens index --no-cache` on one file, in one run: each timed
# as a whole process (best of RUNS, warm page cache; wall and user+sys CPU), stats both
# with an empty index cache (it builds the index, writes the cache, then walks the rows)
# and with the cache it wrote; then the ratios (target: stats <= 3x index --no-cache).
#   bench/stats.sh [BINLOG] (default /work/bench-data/mysql-bin.000001 if present, else
#   target/bench/mysql-bin.000001, written on first use by ../shared/tools/big-binlog.sh);
#   RUNS=3 by default.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
default=$here/target/bench/mysql-bin.000001
[ -f /work/bench-data/mysql-bin.000001 ] && default=/work/bench-data/mysql-bin.000001
file=${1:-$default}
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

# Best wall time and best CPU time (user + sys) of $runs runs of a command, in seconds:
# "WALL CPU". $fresh_cache=1 gives every run an empty XDG_CACHE_HOME.
best() {
    bw=""
    bc=""
    i=0
    while [ "$i" -lt "$runs" ]; do
        if [ "${fresh_cache:-0}" = 1 ]; then rm -rf "$tmp/xdg"; fi
        XDG_CACHE_HOME=$tmp/xdg /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || {
            cat "$tmp/err" >&2
            exit 2
        }
        w=$(cut -d' ' -f1 "$tmp/time")
        c=$(awk '{print $2 + $3}' "$tmp/time")
        if [ -z "$bw" ] || [ "$(echo "$w < $bw" | bc -l)" = 1 ]; then bw=$w; fi
        if [ -z "$bc" ] || [ "$(echo "$c < $bc" | bc -l)" = 1 ]; then bc=$c; fi
        i=$((i + 1))
    done
    echo "$bw $bc"
}

ratio() { printf %.2f "$(echo "$(echo "$1" | cut -d' ' -f"$3") / $(echo "$2" | cut -d' ' -f"$3")" | bc -l)"; }

cat "$file" >/dev/null # warm the page cache
index=$(best "$binlens" index --no-cache "$file")
echo "binlens index --no-cache:   wall $(echo "$index" | cut -d' ' -f1) s, cpu $(echo "$index" | cut -d' ' -f2) s"
cold=$(fresh_cache=1 best "$binlens" stats "$file")
echo "binlens stats (no cache):   wall $(echo "$cold" | cut -d' ' -f1) s, cpu $(echo "$cold" | cut -d' ' -f2) s"
warm=$(best "$binlens" stats "$file")
echo "binlens stats (cached):     wall $(echo "$warm" | cut -d' ' -f1) s, cpu $(echo "$warm" | cut -d' ' -f2) s"
echo "ratio, no cache: wall $(ratio "$cold" "$index" 1)x, cpu $(ratio "$cold" "$index" 2)x (target <= 3x)"
echo "ratio, cached:   wall $(ratio "$warm" "$index" 1)x, cpu $(ratio "$warm" "$index" 2)x"
