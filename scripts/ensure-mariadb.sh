#!/usr/bin/env bash
# Makes sure the tools the tests use are installed: the MariaDB server and client (tests
# start real servers and run mariadb-binlog) and tmux (end-to-end runs of the TUI in a real
# terminal), and pt-query-digest (the write-workload digest test reads
# `dump --format statements` with it). If any is missing, installs Debian's mariadb-server,
# mariadb-client, tmux and percona-toolkit with apt-get (as root, or through sudo). Exits
# non-zero if it cannot.
set -euo pipefail

PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
readonly tools=(mariadbd mariadb mariadb-binlog mariadb-install-db mariadb-admin tmux pt-query-digest)

missing() {
  local tool
  for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null || echo "$tool"
  done
}

fail() {
  echo "ensure-mariadb.sh: $*" >&2
  echo "ensure-mariadb.sh: install them by hand: apt-get install mariadb-server mariadb-client tmux percona-toolkit" >&2
  exit 1
}

absent=$(missing)
[[ -z $absent ]] && exit 0

echo "ensure-mariadb.sh: missing $(echo $absent); installing mariadb-server, mariadb-client, tmux and percona-toolkit" >&2
command -v apt-get >/dev/null || fail "apt-get not found (not a Debian-like system)"
if ((EUID == 0)); then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  fail "need root (or password-less sudo) to install packages"
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q || fail "apt-get update failed"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  mariadb-server mariadb-client tmux percona-toolkit </dev/null || fail "apt-get install failed"

absent=$(missing)
[[ -z $absent ]] || fail "still missing after installing: $(echo $absent)"
