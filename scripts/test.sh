#!/usr/bin/env bash
# The one test command: installs MariaDB if it is missing (the tests start real servers and
# run mariadb-binlog), then runs every test target. Extra arguments go to `cargo test`.
#
#   scripts/test.sh                 # everything
#   scripts/test.sh -- vv_oracle    # tests whose name contains vv_oracle
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-mariadb.sh
exec cargo test --all-targets "$@"
