//! A throwaway MariaDB server for tests that need a live one.
//!
//! [`TestServer::start`] runs `scripts/mariadb-server.sh start` in a fresh temporary
//! directory with the mariadbd options the test asks for; dropping the server stops it and
//! removes the directory. The server runs as root on a unix socket with networking off, so
//! tests can run several at once; [`TestServer::start_tcp`] also listens on a free loopback
//! port (with TLS from [`TestCerts`] when asked). [`TestServer::kill9`] and
//! [`TestServer::restart`] crash and recover it.

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
    options: Vec<String>,
    port: Option<u16>,
}

impl TestServer {
    /// Starts a server with these extra mariadbd options, for example
    /// `["--log-bin=mysql-bin", "--server-id=1", "--binlog-format=ROW"]`, and waits until it
    /// answers. Panics when the server cannot start (the message has its error log's tail).
    pub fn start(options: &[&str]) -> TestServer {
        Self::launch(options.iter().map(ToString::to_string).collect(), None)
    }

    /// As [`TestServer::start`], also listening on a free port of 127.0.0.1, with TLS
    /// from `certs` when given.
    pub fn start_tcp(options: &[&str], certs: Option<&TestCerts>) -> TestServer {
        let port = free_port();
        let mut all: Vec<String> = options.iter().map(ToString::to_string).collect();
        all.extend([
            "--skip-networking=0".to_string(),
            "--bind-address=127.0.0.1".to_string(),
            format!("--port={port}"),
        ]);
        if let Some(c) = certs {
            all.extend([
                format!("--ssl-ca={}", c.ca().display()),
                format!("--ssl-cert={}", c.dir.path().join("server.pem").display()),
                format!("--ssl-key={}", c.dir.path().join("server.key").display()),
            ]);
        }
        Self::launch(all, Some(port))
    }

    fn launch(options: Vec<String>, port: Option<u16>) -> TestServer {
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
            .args(&options)
            .stdin(Stdio::null())
            .output()
            .expect("run scripts/mariadb-server.sh");
        expect_success("scripts/mariadb-server.sh start", &output);
        TestServer { dir, options, port }
    }

    /// The TCP port, for a server started with [`TestServer::start_tcp`].
    pub fn port(&self) -> u16 {
        self.port.expect("a server started with start_tcp")
    }

    /// Kills mariadbd with SIGKILL (a crash) and waits until it is gone.
    pub fn kill9(&self) {
        let pid = std::fs::read_to_string(self.dir.path().join("pid")).expect("read the pid file");
        let pid = pid.trim();
        let status = Command::new("kill")
            .args(["-KILL", pid])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -KILL {pid}");
        let proc = PathBuf::from(format!("/proc/{pid}"));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while proc.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(!proc.exists(), "mariadbd {pid} still alive after SIGKILL");
    }

    /// Shuts the server down cleanly (it can be started again with [`TestServer::restart`]).
    pub fn stop(&self) {
        let output = Command::new("bash")
            .arg(repo_root().join("scripts/mariadb-server.sh"))
            .arg("stop")
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("run scripts/mariadb-server.sh");
        expect_success("scripts/mariadb-server.sh stop", &output);
    }

    /// Starts the server again on its data directory, with the options it was started with.
    pub fn restart(&self) {
        let output = Command::new("bash")
            .arg(repo_root().join("scripts/mariadb-server.sh"))
            .arg("restart")
            .arg(self.dir.path())
            .args(&self.options)
            .stdin(Stdio::null())
            .output()
            .expect("run scripts/mariadb-server.sh");
        expect_success("scripts/mariadb-server.sh restart", &output);
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

    /// As [`TestServer::sql`], with the client's failure returned (its stderr) instead of
    /// a panic: for statements that may be refused for a while (PURGE of a file the server
    /// still needs).
    pub fn try_sql(&self, sql: &str) -> Result<String, String> {
        let output = self
            .client()
            .arg("-e")
            .arg(sql)
            .stdin(Stdio::null())
            .output()
            .expect("run mariadb");
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
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

/// A port on 127.0.0.1 that nothing listens on (other agents run servers too).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local address").port()
}

/// A test CA and a server certificate it signed for 127.0.0.1 and localhost, made with
/// openssl in a temporary directory.
pub struct TestCerts {
    dir: tempfile::TempDir,
}

impl TestCerts {
    pub fn make() -> TestCerts {
        let dir = tempfile::tempdir().expect("temporary directory for certificates");
        let run = |args: &[&str]| {
            let output = Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .stdin(Stdio::null())
                .output()
                .expect("run openssl (scripts/ensure-mariadb.sh installs it)");
            expect_success(&format!("openssl {}", args.join(" ")), &output);
        };
        run(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=binlens test CA",
        ]);
        run(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        std::fs::write(
            dir.path().join("ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n",
        )
        .expect("write the extensions file");
        run(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext",
        ]);
        TestCerts { dir }
    }

    /// The CA certificate (PEM).
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The server's own certificate: not a CA, so verifying against it fails.
    pub fn server_cert(&self) -> PathBuf {
        self.dir.path().join("server.pem")
    }
}

fn display_command(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(OsStr::to_string_lossy)
        .collect::<Vec<_>>()
        .join(" ")
}
