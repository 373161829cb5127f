//! The TUI in a real terminal: tmux runs `binlens FILE > out.txt`, keys go in with
//! send-keys, the screen comes back with capture-pane. Skipped only when tmux is
//! missing and `BINLENS_REQUIRE_CORPUS` is not 1.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::tui::incident_binlog;

fn have_tmux() -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && std::env::var("BINLENS_REQUIRE_CORPUS").as_deref() == Ok("1") {
        panic!("tmux is missing and BINLENS_REQUIRE_CORPUS=1");
    }
    ok
}

/// One tmux session on its own server socket, killed when dropped.
struct Session {
    socket: PathBuf,
    dir: tempfile::TempDir,
}

impl Session {
    fn start(binlog: &Path) -> Session {
        Session::start_with(binlog, "")
    }

    /// `env` is put before the command (`NAME=value …`); stderr goes to `err.txt` and,
    /// once binlens exits, `stty -a` to `stty.txt`.
    fn start_with(binlog: &Path, env: &str) -> Session {
        Session::start_args(&binlog.display().to_string(), env)
    }

    /// `binlens ARGS` (shell words), with `env` as in [`Session::start_with`].
    fn start_args(args: &str, env: &str) -> Session {
        let dir = tempfile::tempdir().expect("temp dir");
        let socket = dir.path().join("tmux.sock");
        let cmd = format!(
            "env XDG_CACHE_HOME={cache} {env} {bin} {file} > {out} 2> {err}; echo $? > {rc}; \
             stty -a > {stty}; sleep 30",
            cache = dir.path().join("cache").display(),
            err = dir.path().join("err.txt").display(),
            stty = dir.path().join("stty.txt").display(),
            bin = env!("CARGO_BIN_EXE_binlens"),
            file = args,
            out = dir.path().join("out.txt").display(),
            rc = dir.path().join("rc.txt").display(),
        );
        let s = Session { socket, dir };
        s.tmux(&["new-session", "-d", "-x", "120", "-y", "40", &cmd]);
        s
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Sends keys one at a time, so Esc is never read as Alt with the next key.
    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", k]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p"])
    }

    fn wait_for(&self, what: &str) -> String {
        self.wait_for_within(what, Duration::from_secs(10))
    }

    fn wait_for_within(&self, what: &str, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(what) {
                return s;
            }
            assert!(start.elapsed() < limit, "no {what:?} on screen:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_exit(&self) -> (String, String) {
        let rc = self.dir.path().join("rc.txt");
        let start = Instant::now();
        while std::fs::read_to_string(&rc).map_or(true, |s| s.is_empty()) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "binlens did not exit:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = std::fs::read_to_string(self.dir.path().join("out.txt")).unwrap_or_default();
        (
            std::fs::read_to_string(rc)
                .unwrap_or_default()
                .trim()
                .to_string(),
            out,
        )
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

#[test]
fn browse_goto_mark_and_quit_in_a_real_terminal() {
    let Some(file) = incident_binlog() else {
        return;
    };
    if !have_tmux() {
        eprintln!("notice: tmux is missing; skipping");
        return;
    }
    let s = Session::start(&file);
    s.wait_for("444 events");
    s.keys(&[":", "67692", "Enter"]);
    let screen = s.wait_for("update shop.customers: 1 row");
    assert!(screen.contains("mysql-bin.000004:67692"), "{screen}");
    s.keys(&["Enter"]);
    let screen = s.wait_for("before → after");
    assert!(screen.contains("'platinum'"), "{screen}");
    s.keys(&["Escape", "[", "j", "j", "j", "j", "j", "j", "]"]);
    s.wait_for("marked mysql-bin.000004:67269…68101 (13 events)");
    s.keys(&["q"]);
    s.wait_for("marks would be lost: quit? y/n");
    s.keys(&["y"]);
    let (rc, out) = s.wait_exit();
    assert_eq!(rc, "0");
    assert_eq!(out, "", "quitting prints nothing on stdout");
    let after = s.screen();
    assert!(
        !after.contains("444 events"),
        "the alternate screen is left:\n{after}"
    );
}

#[test]
fn ctrl_c_restores_the_terminal() {
    let Some(file) = incident_binlog() else {
        return;
    };
    if !have_tmux() {
        return;
    }
    let s = Session::start(&file);
    s.wait_for("444 events");
    s.keys(&["[", "C-c"]);
    let (rc, out) = s.wait_exit();
    assert_eq!((rc.as_str(), out.as_str()), ("0", ""));
    assert!(!s.screen().contains("444 events"));
}

#[test]
fn filter_goto_mark_and_accept_the_export_prints_the_command() {
    let Some(file) = incident_binlog() else {
        return;
    };
    if !have_tmux() {
        return;
    }
    let s = Session::start(&file);
    s.wait_for("444 events");
    s.keys(&["f", "table:shop.orders op:delete"]);
    s.wait_for("3 matches");
    s.keys(&["Enter"]);
    s.wait_for("3 matches)");
    assert!(s.screen().contains("filter table:shop.orders op:delete ("));
    s.keys(&[":", "2034-03-09 14:44:08", "Enter"]);
    let screen = s.wait_for(" mysql-bin.000004:51026  ");
    assert!(screen.contains("DELETE_ROWS_V1"), "{screen}");
    s.keys(&["[", "]", "x"]);
    s.wait_for("--stop-position=63158");
    s.keys(&["Enter"]);
    let (rc, out) = s.wait_exit();
    assert_eq!(rc, "0");
    assert_eq!(
        out,
        format!(
            "mariadb-binlog --start-position=50876 --stop-position=63158 {} | mariadb --binary-mode\n",
            file.display()
        )
    );
}

/// A debug build with `BINLENS_TEST_PANIC=1` panics on `!`: the TUI's panic hook must
/// leave the alternate screen and raw mode before the report (`cli::panic`) goes to stderr.
#[cfg(debug_assertions)]
#[test]
fn a_panic_gives_the_shell_a_usable_terminal_and_a_short_report() {
    let Some(file) = incident_binlog() else {
        return;
    };
    if !have_tmux() {
        return;
    }
    let s = Session::start_with(&file, "RUST_BACKTRACE=0 BINLENS_TEST_PANIC=1");
    s.wait_for("444 events");
    s.keys(&["j", "!"]);
    let (rc, out) = s.wait_exit();
    assert_eq!(rc, "2", "a panic exits with 2 (the report's hook)");
    assert_eq!(out, "");
    let read = |name: &str| std::fs::read_to_string(s.dir.path().join(name)).unwrap_or_default();
    let err = read("err.txt");
    assert!(
        err.starts_with("binlens: internal error")
            && err.contains("BINLENS_TEST_PANIC: a panic on purpose"),
        "{err}"
    );
    assert!(err.lines().count() <= 4, "a short report:\n{err}");
    assert!(
        !err.contains("\x1b["),
        "no terminal escapes in the report: {err:?}"
    );
    // Raw mode is off again: the shell reads lines and echoes what is typed.
    let start = Instant::now();
    let mut stty = read("stty.txt");
    while stty.is_empty() && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
        stty = read("stty.txt");
    }
    let flags: Vec<&str> = stty.split_whitespace().collect();
    for want in ["icanon", "echo", "isig", "opost"] {
        assert!(
            flags.contains(&want),
            "{want} is off after the panic:\n{stty}"
        );
    }
    let after = s.screen();
    assert!(
        !after.contains("444 events"),
        "the alternate screen is left:\n{after}"
    );
}

/// The event count in the status bar (`FILE:POS  k/N`).
fn event_total(screen: &str) -> u32 {
    let bar = screen
        .lines()
        .find(|l| l.contains("following"))
        .unwrap_or_else(|| panic!("no status bar:\n{screen}"));
    let count = bar.split_whitespace().nth(1).unwrap_or_default();
    count
        .split('/')
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no k/N in {bar:?}"))
}

#[test]
fn a_live_server_streams_into_the_browser_and_reconnects() {
    if !have_tmux() {
        eprintln!("notice: tmux is missing; skipping");
        return;
    }
    let server = crate::support::server::TestServer::start(&[
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
        "--binlog-row-metadata=NO_LOG",
    ]);
    // The DDL goes to a file that is purged: the spool's binlogs name no column.
    server.sql(
        "CREATE DATABASE live; CREATE TABLE live.t (id INT PRIMARY KEY, note VARCHAR(20));
         FLUSH BINARY LOGS",
    );
    let start = Instant::now();
    while server.binlog_files()[0].ends_with("mysql-bin.000001") {
        assert!(start.elapsed() < Duration::from_secs(10), "cannot purge");
        // Refused (or only warned about) until the binlog checkpoint has passed the file.
        let _ = server.try_sql("PURGE BINARY LOGS TO 'mysql-bin.000002'");
        std::thread::sleep(Duration::from_millis(50));
    }
    server.sql("INSERT INTO live.t VALUES (1, 'hello')");
    let s = Session::start_args(
        &format!(
            "--socket {} --user root --schema-from-server",
            server.socket().display()
        ),
        "HOME=/nonexistent",
    );
    let mut screen = s.wait_for("streaming");
    assert!(
        screen.contains(&format!(
            "root@socket {} streaming, lag",
            server.socket().display()
        )),
        "{screen}"
    );
    // Streaming shows once connected; the events follow as the spool is indexed.
    let start = Instant::now();
    while screen.contains(" no events ") {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no events:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(50));
        screen = s.screen();
    }
    let before = event_total(&screen);
    // Column names from the server's information_schema in the detail pane.
    s.keys(&["G", "k", "Enter"]);
    let detail = s.wait_for("row 1 (inserted)");
    let second = detail
        .lines()
        .find(|l| l.contains("@2"))
        .unwrap_or_default();
    assert!(
        second.contains("note") && second.contains("hello"),
        "{detail}"
    );
    s.keys(&["Escape"]);

    server.sql("INSERT INTO live.t VALUES (2, 'b')");
    let start = Instant::now();
    while event_total(&s.screen()) <= before {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no new event:\n{}",
            s.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // The spool is private and holds the server's file.
    let spool = std::fs::read_dir(s.dir.path().join("cache/binlens/spool"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&spool).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "{}", spool.display());
    assert!(spool.join("mysql-bin.000002").is_file());

    server.kill9();
    s.wait_for("reconnecting in");
    server.restart();
    server.sql("INSERT INTO live.t VALUES (3, 'c')");
    s.wait_for("streaming");

    s.keys(&["q"]);
    let (rc, _) = s.wait_exit();
    assert_eq!(rc, "0");
}

#[test]
fn stats_view_selects_a_table_and_lands_on_its_filtered_list() {
    let Some(file) = incident_binlog() else {
        return;
    };
    if !have_tmux() {
        return;
    }
    let s = Session::start(&file);
    s.wait_for("444 events");
    s.keys(&["Tab"]);
    let screen = s.wait_for("stats of the whole set: 444 events");
    assert!(screen.contains("> shop.orders"), "{screen}");
    assert!(
        screen.contains("0-1-233"),
        "the incident's DELETE: {screen}"
    );
    s.keys(&["j", "Enter"]);
    let screen = s.wait_for("filter table:shop.customers (");
    assert!(!screen.contains("stats of"), "back on the list: {screen}");
    assert!(screen.contains("shop.custo"), "{screen}");
    s.keys(&["Tab"]);
    s.wait_for("stats of the whole set");
    s.keys(&["Escape"]);
    let screen = s.wait_for("filter table:shop.customers (");
    assert!(!screen.contains("stats of"), "{screen}");
    s.keys(&["C-c"]);
    let (rc, _) = s.wait_exit();
    assert_eq!(rc, "0");
}

/// A free-text filter over a real server's binlog of some MB: the list fills with the
/// matches (scanned on the worker) and the status bar counts them; Esc goes back.
#[test]
fn a_free_text_filter_over_megabytes_fills_the_list() {
    if !have_tmux() {
        return;
    }
    let server = crate::tui_scan::start_server();
    let file = crate::tui_scan::needle_binlog(&server, 16_000);
    let n = binlens::index::Binlogs::open(std::slice::from_ref(&file))
        .unwrap()
        .index
        .len();
    let s = Session::start(&file);
    let screen = s.wait_for_within(&format!("{n} events"), Duration::from_secs(60));
    assert!(screen.contains("TABLE_MAP"), "{screen}");
    s.keys(&["f", "needle", "Enter"]);
    // Slow machines show the matches so far first; the end is the same everywhere.
    let screen = s.wait_for_within("(1 of 16000 matches)", Duration::from_secs(120));
    assert!(
        screen.contains("filter needle (1 of 16000 matches)"),
        "{screen}"
    );
    let list: Vec<&str> = screen.lines().skip(2).take(30).collect();
    assert!(
        list.iter()
            .all(|l| l.contains("ANNOTATE_ROWS") || l.contains("WRITE_ROWS_V1")),
        "only the statements and rows of the needles: {screen}"
    );
    // The first match, the first needle's statement, is under the cursor.
    assert!(screen.contains(" mysql-bin.000001:652  "), "{screen}");
    assert!(!screen.contains("still filtering"), "{screen}");
    s.keys(&["Escape"]);
    let screen = s.wait_for("TABLE_MAP");
    assert!(!screen.contains("filter needle"), "{screen}");
    assert!(screen.contains(" mysql-bin.000001:652  "), "{screen}");
    s.keys(&["C-c"]);
    let (rc, _) = s.wait_exit();
    assert_eq!(rc, "0");
}
