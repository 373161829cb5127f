#!/usr/bin/env bash
# Compares `binlens export --format parquet` with `binlens dump --format jsonl` on the same
# binlog, in one run: wall clock and CPU time, their ratio (target: at most 2x), and the
# export's peak anonymous memory (RssAnon sampled from /proc; the mapped binlog is not
# counted; target: at most 512 MB).
#
#   bench/parquet.sh [BINLOG] [RUNS]
#
# BINLOG defaults to target/bench/mysql-bin.000001, written on first use by
# ../shared/tools/big-binlog.sh (about 1 GiB, 12 million events; needs mariadb-server).
# Each command writes to a scratch directory or /dev/null and takes the best of RUNS (1).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

file=${1:-target/bench/mysql-bin.000001}
runs=${2:-1}
if [[ ! -f $file ]]; then
  echo "writing a benchmark binlog to $(dirname "$file") with ../shared/tools/big-binlog.sh" >&2
  bash scripts/ensure-mariadb.sh
  bash ../shared/tools/big-binlog.sh "$(dirname "$file")" >&2
fi
cargo build --release --quiet
binlens=target/release/binlens
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

calc() { awk "BEGIN { print $* }"; }

# CPU seconds (user + system) used so far by the finished children of process $1.
children_cpu() {
  local ticks
  ticks=$(awk '{ print $16 + $17 }' "/proc/$1/stat")
  calc "$ticks / $(getconf CLK_TCK)"
}

# Runs the command, sampling its RssAnon; prints "wall cpu peak_anon_kb".
measure() {
  local me=$BASHPID t0 t1 u0 u1 peak=0 kb
  t0=$(date +%s.%N)
  u0=$(children_cpu "$me")
  "$@" >/dev/null 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    kb=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    if [[ -n $kb ]] && ((kb > peak)); then peak=$kb; fi
    sleep 0.05
  done
  wait "$pid" || true
  t1=$(date +%s.%N)
  u1=$(children_cpu "$me")
  echo "$(calc "$t1 - $t0") $(calc "$u1 - $u0") $peak"
}

# The best of $runs runs: "wall cpu peak_anon_kb" (the peak is the largest seen).
best() {
  local bw= bc= bp=0 w c p
  for _ in $(seq "$runs"); do
    read -r w c p < <(measure "$@")
    if [[ -z $bw ]] || (($(calc "$w < $bw"))); then bw=$w; fi
    if [[ -z $bc ]] || (($(calc "$c < $bc"))); then bc=$c; fi
    if ((p > bp)); then bp=$p; fi
  done
  echo "$bw $bc $bp"
}

bytes=$(stat -c %s "$file")
read -r d_wall d_cpu d_peak < <(best sh -c '"$1" dump --format jsonl "$2" >/dev/null' _ "$binlens" "$file")
read -r p_wall p_cpu p_peak < <(best "$binlens" export --format parquet --no-cache --force --to "$out/export" "$file")
written=$(du -sb "$out/export" | cut -f1)
# As a DBA runs it again: the index mapped from its cache (written first).
export XDG_CACHE_HOME="$out/xdg"
"$binlens" index "$file" >/dev/null
read -r c_wall c_cpu c_peak < <(best "$binlens" export --format parquet --force --to "$out/export" "$file")

printf 'file: %s (%s bytes)\n' "$file" "$bytes"
printf 'binlens dump --format jsonl:       wall %6.2f s  cpu %6.2f s\n' "$d_wall" "$d_cpu"
printf 'binlens export --format parquet --no-cache: wall %6.2f s  cpu %6.2f s  peak anonymous %d MB  (%d MB written)\n' \
  "$p_wall" "$p_cpu" "$((p_peak / 1024))" "$((written / 1000000))"
printf 'binlens export --format parquet, from the cache: wall %6.2f s  cpu %6.2f s  peak anonymous %d MB\n' \
  "$c_wall" "$c_cpu" "$((c_peak / 1024))"
printf 'ratio (export / dump): wall %.2fx  cpu %.2fx  (target: <= 2x, <= 512 MB)\n' \
  "$(calc "$p_wall / $d_wall")" "$(calc "$p_cpu / $d_cpu")"
