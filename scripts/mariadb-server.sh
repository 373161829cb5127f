#!/usr/bin/env bash
# Starts and stops a throwaway MariaDB server that lives entirely in one directory.
#
#   scripts/mariadb-server.sh start DIR [extra mariadbd options...]
#   scripts/mariadb-server.sh stop DIR
#   scripts/mariadb-server.sh restart DIR [extra mariadbd options...]
#
# start creates DIR/data with mariadb-install-db, runs mariadbd as root with networking off
# and its socket at DIR/sock, and returns once `mariadb -S DIR/sock -uroot` answers (at most
# 60 s; on failure it prints the error log's tail and exits 1). On success it prints nothing.
# stop shuts the server down (mariadb-admin, then SIGTERM, then SIGKILL) and waits for it
# to exit; stopping a directory whose server is not running is not an error.
# restart starts mariadbd again on an existing DIR/data (after a stop or a kill -9: the
# server recovers), with the options given (pass the same ones as to start).
#
# Each DIR is independent, so several servers can run at once. Files in DIR:
#   data/  tmp/  install.log  error.log  mariadbd.out  pid  sock
# Unix socket paths are limited to 107 bytes, so keep DIR short (a mktemp -d is fine).
# Needs mariadbd and the client tools (scripts/ensure-mariadb.sh installs them).
set -euo pipefail

PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
readonly start_timeout=60 stop_timeout=60

die() {
  echo "mariadb-server.sh: $*" >&2
  exit 1
}

usage() {
  echo "usage: mariadb-server.sh start DIR [mariadbd options...]" >&2
  echo "       mariadb-server.sh stop DIR" >&2
  echo "       mariadb-server.sh restart DIR [mariadbd options...]" >&2
  exit 2
}

# Prints the last lines of a log file to stderr, indented, if it exists.
show_tail() {
  if [[ -s $1 ]]; then
    echo "--- last lines of $1:" >&2
    tail -n 25 "$1" | sed 's/^/  /' >&2
  fi
}

# True while process $1 exists and is a mariadbd (a stale pid file may name another process).
alive() {
  [[ -n $1 && -r /proc/$1/cmdline ]] && grep -q mariadbd "/proc/$1/cmdline" 2>/dev/null
}

# Our own child, started but perhaps not yet exec'd into mariadbd (on a busy machine the
# fork can stand for a while as a copy of this script): alive unless gone or a zombie.
child_alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

client_ok() {
  mariadb --no-defaults -S "$1/sock" -uroot -e 'select 1' >/dev/null 2>&1
}

start() {
  local dir=$1
  shift
  for tool in mariadbd mariadb mariadb-install-db; do
    command -v "$tool" >/dev/null || die "$tool not found: run scripts/ensure-mariadb.sh"
  done
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [[ ! -e $dir/data ]] || die "$dir/data already exists (stop and remove the old server first)"
  ((${#dir} + 5 <= 107)) || die "socket path $dir/sock is too long for a unix socket"

  # A private tmpdir: a starting mariadbd deletes every #sql* file in its tmpdir, which
  # breaks other servers that share it.
  mkdir -p "$dir/tmp"
  if ! mariadb-install-db --no-defaults --user=root --datadir="$dir/data" --tmpdir="$dir/tmp" \
    --auth-root-authentication-method=normal >"$dir/install.log" 2>&1; then
    show_tail "$dir/install.log"
    die "mariadb-install-db failed in $dir"
  fi
  launch "$dir" "$@"
}

restart() {
  local dir=$1
  shift
  dir=$(cd "$dir" && pwd)
  [[ -d $dir/data ]] || die "$dir/data does not exist (start the server first)"
  launch "$dir" "$@"
}

# Runs mariadbd on DIR/data and waits until it answers.
launch() {
  local dir=$1
  shift
  # stdio goes to a file: a caller that captures our output must not wait on the server.
  mariadbd --no-defaults --user=root --datadir="$dir/data" --tmpdir="$dir/tmp" --socket="$dir/sock" \
    --pid-file="$dir/pid" --log-error="$dir/error.log" --skip-networking "$@" \
    </dev/null >>"$dir/mariadbd.out" 2>&1 &
  local pid=$!

  local ticks=0
  until client_ok "$dir"; do
    if ! child_alive "$pid"; then
      show_tail "$dir/error.log"
      show_tail "$dir/mariadbd.out"
      die "mariadbd exited during startup (options: $*)"
    fi
    if ((ticks >= start_timeout * 4)); then
      show_tail "$dir/error.log"
      kill -KILL "$pid" 2>/dev/null || true
      die "mariadbd did not answer on $dir/sock within ${start_timeout}s"
    fi
    sleep 0.25
    ticks=$((ticks + 1))
  done
}

stop() {
  local dir=$1
  [[ -d $dir ]] || die "no such directory: $dir"
  local pid=""
  [[ -s $dir/pid ]] && pid=$(<"$dir/pid")
  if [[ -S $dir/sock ]]; then
    mariadb-admin --no-defaults -S "$dir/sock" -uroot shutdown >/dev/null 2>&1 || true
  fi
  # Quarter-second ticks: SIGTERM after half the timeout, SIGKILL after all of it.
  local ticks=0
  while alive "$pid"; do
    case $ticks in
      $((stop_timeout * 2))) kill -TERM "$pid" 2>/dev/null || true ;;
      $((stop_timeout * 4))) kill -KILL "$pid" 2>/dev/null || true ;;
      $((stop_timeout * 4 + 40))) die "mariadbd (pid $pid) did not exit" ;;
    esac
    sleep 0.25
    ticks=$((ticks + 1))
  done
}

(($# >= 2)) || usage
command=$1
dir=$2
shift 2
case $command in
  start) start "$dir" "$@" ;;
  restart) restart "$dir" "$@" ;;
  stop)
    (($# == 0)) || usage
    stop "$dir"
    ;;
  *) usage ;;
esac
