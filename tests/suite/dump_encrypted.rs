//! A binlog written by MariaDB with `encrypt_binlog=ON`: binlens lists the events before
//! START_ENCRYPTION_EVENT, then says the rest is encrypted instead of misreading it.

use crate::support::corpus::dump_jsonl;
use crate::support::server::TestServer;

#[test]
fn mariadb_encrypted_binlog_is_detected_and_explained() {
    let keys = tempfile::tempdir().unwrap();
    let keyfile = keys.path().join("keys.txt");
    // Key id 1, a 256-bit AES key in hex.
    std::fs::write(
        &keyfile,
        "1;a7addd9adea9978fda19f21e6be987880e68ac92632ca052e5bb42b1a506939a\n",
    )
    .unwrap();
    let keyfile_opt = format!("--file-key-management-filename={}", keyfile.display());
    let server = TestServer::start(&[
        "--log-bin=mysql-bin",
        "--server-id=1",
        "--binlog-format=ROW",
        "--plugin-load-add=file_key_management",
        &keyfile_opt,
        "--encrypt-binlog=ON",
    ]);
    server.sql(
        "CREATE DATABASE secret;
         CREATE TABLE secret.t (id INT PRIMARY KEY, v VARCHAR(40)) ENGINE=InnoDB;
         INSERT INTO secret.t VALUES (1, 'plaintext-marker-do-not-leak');
         FLUSH BINARY LOGS",
    );
    let files = server.binlog_files();
    let first = &files[0];
    let raw = std::fs::read(first).unwrap();
    assert!(
        !raw.windows(28)
            .any(|w| w == b"plaintext-marker-do-not-leak"),
        "the server did not encrypt the binlog"
    );
    let (lines, code, stderr) = dump_jsonl(&[first.as_path()]);
    assert_eq!(
        code, 2,
        "an encrypted file cannot be fully decoded: {stderr}"
    );
    let last = lines
        .last()
        .expect("events before the encryption start are listed");
    assert_eq!(
        last["type"], "START_ENCRYPTION_EVENT",
        "nothing is decoded past it: {lines:?}"
    );
    assert!(lines.iter().all(|l| l.get("error").is_none()), "{lines:?}");
    assert!(stderr.contains("encrypted"), "{stderr}");
    let name = first.file_name().unwrap().to_str().unwrap();
    assert!(
        stderr.contains(&format!("{name}:{}", last["next_pos"])),
        "names file:pos: {stderr}"
    );
}
