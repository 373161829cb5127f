#!/usr/bin/env bash
# Runs the random-schema value test (tests/suite/values_property.rs) over more seeds:
#   scripts/soak-values.sh N [FIRST]    # seeds FIRST..FIRST+N-1 (FIRST defaults to 100)
# Each seed picks one of the nine binlog_row_image x binlog_row_metadata combinations; a
# failing seed prints its table, row, column, both values and the binlog position, and
# its schema and workload.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:?usage: scripts/soak-values.sh N [FIRST]}
first=${2:-100}
scripts/ensure-mariadb.sh
BINLENS_SOAK_SEEDS=$n BINLENS_SOAK_FIRST=$first \
  cargo test --test suite values_property::soak -- --ignored --nocapture
