//! A throwaway MariaDB server for tests that need a live one.
//!
//! [`TestServer::start`] runs `scripts/mariadb-server.sh start` in a fresh temporary
//! directory with the mariadbd options the test asks for; dropping the server stops it and
//! removes the directory. The server runs as root on a unix socket with networking off, so
//! tests can run several at once.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The MariaDB programs the tests run.
const TOOLS: [&str; 5] = [
    "mariadbd",
    "mariadb",
    "mariadb-install-db",
    "mariadb-admin",
    "mariadb-binlog",
];

/// Where Debian puts mariadbd; a non-login shell's PATH may leave these out.
const EXTRA_DIRS: [&str; 3] = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

/// The path of a MariaDB program, from PATH or the sbin directories. Panics when it is not
/// installed: the tests that need it must fail, not skip.
pub fn mariadb_tool(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(EXTRA_DIRS.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{name} not found: these tests need MariaDB's server and client tools; \
                 install them with scripts/ensure-mariadb.sh (or run scripts/test.sh)"
            )
        })
}

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Panics with the command line and its stderr unless the command succeeded.
pub fn expect_success(what: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

/// A running MariaDB server in its own temporary directory.
pub struct TestServer {
    dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server with these extra mariadbd options, for example
    /// `["--log-bin=mysql-bin", "--server-id=1", "--binlog-format=ROW"]`, and waits until it
    /// answers. Panics when the server cannot start (the message has its error log's tail).
    pub fn start(options: &[&str]) -> TestServer {
        for tool in TOOLS {
            mariadb_tool(tool);
        }
        // A short name: the socket's path must fit in 107 bytes.
        let dir = tempfile::Builder::new()
            .prefix("binlens-db.")
            .tempdir()
            .expect("create a temporary directory for the server");
        let output = Command::new("bash")
            .arg(repo_root().join("scripts/mariadb-server.sh"))
            .arg("start")
            .arg(dir.path())
            .args(options)
            .stdin(Stdio::null())
            .output()
            .expect("run scripts/mariadb-server.sh");
        expect_success("scripts/mariadb-server.sh start", &output);
        TestServer { dir }
    }

    /// The server's unix socket.
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("sock")
    }

    /// The server's data directory, where its binlogs are.
    pub fn datadir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A `mariadb` client command for this server, in batch mode without column names.
    fn client(&self) -> Command {
        let mut command = Command::new(mariadb_tool("mariadb"));
        command
            .arg("--no-defaults")
            .arg("-S")
            .arg(self.socket())
            .args(["-uroot", "-N", "-B"]);
        command
    }

    /// Runs SQL statements (`mariadb -e`) and returns what they print, tab-separated.
    /// Panics when the client fails.
    pub fn sql(&self, sql: &str) -> String {
        let output = self
            .client()
            .arg("-e")
            .arg(sql)
            .stdin(Stdio::null())
            .output()
            .expect("run mariadb");
        expect_success(&format!("mariadb -e {sql:?}"), &output);
        String::from_utf8(output.stdout).expect("mariadb printed UTF-8")
    }

    /// Runs the SQL in a file, as `mariadb --binary-mode < file`.
    pub fn sql_file(&self, path: &Path) -> String {
        let input =
            std::fs::read(path).unwrap_or_else(|err| panic!("read {}: {err}", path.display()));
        self.sql_stdin(&input)
    }

    /// Feeds bytes to `mariadb --binary-mode` (NUL bytes and `\r\n` pass unchanged).
    pub fn sql_stdin(&self, input: &[u8]) -> String {
        let mut child = self
            .client()
            .arg("--binary-mode")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run mariadb");
        // A writer thread: the client may fill its stdout pipe before it has read all input.
        let mut stdin = child.stdin.take().expect("piped stdin");
        let input = input.to_vec();
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let output = child.wait_with_output().expect("wait for mariadb");
        expect_success("mariadb < input", &output);
        writer
            .join()
            .expect("stdin writer thread")
            .expect("write to mariadb");
        String::from_utf8(output.stdout).expect("mariadb printed UTF-8")
    }

    /// Pipes a command's standard output into `mariadb --binary-mode`, as in
    /// `mariadb-binlog FILE | mariadb`. Panics when either side fails.
    pub fn sql_from(&self, producer: &mut Command) -> String {
        let mut source = producer
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("run {:?}: {err}", producer.get_program()));
        let pipe = source.stdout.take().expect("piped stdout");
        let output = self
            .client()
            .arg("--binary-mode")
            .stdin(pipe)
            .output()
            .expect("run mariadb");
        let status = source.wait().expect("wait for the producer");
        assert!(
            status.success(),
            "{} failed ({status})",
            display_command(producer)
        );
        expect_success(&format!("{} | mariadb", display_command(producer)), &output);
        String::from_utf8(output.stdout).expect("mariadb printed UTF-8")
    }

    /// The server's binlog files, oldest first (`SHOW BINARY LOGS`), as paths in the datadir.
    pub fn binlog_files(&self) -> Vec<PathBuf> {
        self.sql("SHOW BINARY LOGS")
            .lines()
            .filter_map(|line| line.split('\t').next())
            .filter(|name| !name.is_empty())
            .map(|name| self.datadir().join(name))
            .collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let result = Command::new("bash")
            .arg(repo_root().join("scripts/mariadb-server.sh"))
            .arg("stop")
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .output();
        match result {
            Ok(output) if output.status.success() => {}
            Ok(output) => eprintln!(
                "stopping the test server in {} failed: {}",
                self.dir.path().display(),
                String::from_utf8_lossy(&output.stderr)
            ),
            Err(err) => eprintln!("could not run scripts/mariadb-server.sh stop: {err}"),
        }
    }
}

fn display_command(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(OsStr::to_string_lossy)
        .collect::<Vec<_>>()
        .join(" ")
}
