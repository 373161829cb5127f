#!/usr/bin/env bash
# Compares `binlens dump --format jsonl` with `mariadb-binlog --base64-output=decode-rows -vv`
# on the same binlog, in one run, and prints the ratio (wall clock and CPU time).
#
#   bench/dump-vs-mariadb-binlog.sh [BINLOG] [RUNS]
#
# BINLOG defaults to target/bench/mysql-bin.000001, written on first use by
# ../shared/tools/big-binlog.sh (about 1 GiB, 12 million events; needs mariadb-server).
# Both tools run single-threaded, write to /dev/null, and each takes the best of RUNS (2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

file=${1:-target/bench/mysql-bin.000001}
runs=${2:-2}
if [[ ! -f $file ]]; then
  echo "writing a benchmark binlog to $(dirname "$file") with ../shared/tools/big-binlog.sh" >&2
  bash scripts/ensure-mariadb.sh
  bash ../shared/tools/big-binlog.sh "$(dirname "$file")" >&2
fi
cargo build --release --quiet
binlens=target/release/binlens

calc() { awk "BEGIN { print $* }"; }

# CPU seconds (user + system) used so far by the finished children of process $1.
children_cpu() {
  local ticks
  ticks=$(awk '{ print $16 + $17 }' "/proc/$1/stat")
  calc "$ticks / $(getconf CLK_TCK)"
}

# Prints "wall cpu" seconds of the best of $runs runs of the command.
best() {
  local best_wall= best_cpu=
  for _ in $(seq "$runs"); do
    local t0 t1 u0 u1 me=$BASHPID
    t0=$(date +%s.%N)
    u0=$(children_cpu "$me")
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s.%N)
    u1=$(children_cpu "$me")
    local wall
    wall=$(calc "$t1 - $t0")
    local cpu
    cpu=$(calc "$u1 - $u0")
    if [[ -z $best_wall ]] || (($(calc "$wall < $best_wall"))); then best_wall=$wall; fi
    if [[ -z $best_cpu ]] || (($(calc "$cpu < $best_cpu"))); then best_cpu=$cpu; fi
  done
  echo "$best_wall $best_cpu"
}

bytes=$(stat -c %s "$file")
events=$({ "$binlens" index --no-cache "$file" 2>/dev/null || true; } | sed -n 's/.*events=\([0-9]*\).*/\1/p')
read -r b_wall b_cpu < <(best "$binlens" dump --format jsonl "$file")
read -r m_wall m_cpu < <(best mariadb-binlog --no-defaults --base64-output=decode-rows -vv "$file")

printf 'file: %s (%s bytes, %s events)\n' "$file" "$bytes" "$events"
printf 'binlens dump --format jsonl:     wall %6.2f s  cpu %6.2f s  (%.0f MB/s)\n' "$b_wall" "$b_cpu" \
  "$(calc "$bytes / $b_wall / 1000000")"
printf 'mariadb-binlog -vv decode-rows:  wall %6.2f s  cpu %6.2f s  (%.0f MB/s)\n' "$m_wall" "$m_cpu" \
  "$(calc "$bytes / $m_wall / 1000000")"
printf 'ratio (mariadb-binlog / binlens): wall %.1fx  cpu %.1fx  (target: >= 5x)\n' \
  "$(calc "$m_wall / $b_wall")" "$(calc "$m_cpu / $b_cpu")"
