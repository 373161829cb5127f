#!/usr/bin/env bash
# Makes sure the Python tools the tests use are installed: DuckDB (the `duckdb` Python
# package), which reads back the Parquet export in tests/suite/export_parquet.rs. Installs
# it with pip when `import duckdb` fails. Exits non-zero if it cannot.
set -euo pipefail

command -v python3 >/dev/null || {
  echo "ensure-tools.sh: python3 not found; install it (apt-get install python3 python3-pip)" >&2
  exit 1
}
python3 -c 'import duckdb' 2>/dev/null && exit 0

echo "ensure-tools.sh: the duckdb Python package is missing; installing it with pip" >&2
python3 -m pip install --quiet duckdb ||
  python3 -m pip install --quiet --break-system-packages duckdb || {
  echo "ensure-tools.sh: pip could not install duckdb; install it by hand: python3 -m pip install duckdb" >&2
  exit 1
}
python3 -c 'import duckdb' || {
  echo "ensure-tools.sh: duckdb still cannot be imported after installing it" >&2
  exit 1
}
