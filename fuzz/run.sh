#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, one after the other (mind shared cores).
#
#   fuzz/run.sh [SECONDS] [TARGET...]     # default 60 s each, all targets
#
# Builds with `cargo fuzz build --sanitizer none` (works on stable Rust: see README.md),
# seeds the corpora with seed.sh when they are empty, and saves crashes, timeouts and
# out-of-memory inputs in fuzz/artifacts/<target>/. Prints the executions per target and
# exits 1 when any target found something.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
secs="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(event_decode file_dump index_build json_binary decimal_temporal filter_text export_text dump_stream)

cd "$here"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked || exit 2
cargo fuzz build --sanitizer none -O || exit 2
bin="${CARGO_TARGET_DIR:-$here/target}/x86_64-unknown-linux-gnu/release"
[ -n "$(ls corpus/event_decode 2>/dev/null)" ] || ./seed.sh

found=0
summary=""
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  log="artifacts/$t.log"
  "$bin/$t" "corpus/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  line="$t: ${execs:-?} executions in ${secs}s, exit $rc"
  if [ $rc -ne 0 ]; then
    found=1
    line="$line — FOUND: $(grep -m1 -E 'ERROR|panicked|timeout|out-of-memory' "$log")"
  fi
  echo "$line"
  summary+="$line"$'\n'
done
printf '%s' "$summary" >"artifacts/last-run.txt"
exit $found
