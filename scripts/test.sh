#!/usr/bin/env bash
# The one test command: installs what the tests need when it is missing (MariaDB server
# and client, tmux, the duckdb Python package), then runs every test target. Extra arguments go to `cargo test`.
#
#   scripts/test.sh                 # everything
#   scripts/test.sh -- vv_oracle    # tests whose name contains vv_oracle
#
# In CI (CI=true), or when BINLENS_FUZZ_SECONDS is set, every cargo-fuzz target first runs
# for that many seconds (30 by default in CI; cargo-fuzz is installed when missing); a
# finding fails the run, and `cargo test` then replays the grown corpus and any artifacts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-mariadb.sh
bash scripts/ensure-tools.sh
if [[ -n ${BINLENS_FUZZ_SECONDS:-} || ${CI:-} == true ]]; then
  bash fuzz/run.sh "${BINLENS_FUZZ_SECONDS:-30}"
fi
exec cargo test --all-targets "$@"
