//! The client side of MySQL 8's handshake against hand-built packet sequences (MySQL is
//! not installable here; MariaDB's side is covered by the integration tests). The
//! packets follow the protocol documentation's layouts: HandshakeV10, AuthSwitchRequest,
//! the caching_sha2_password `01 03` / `01 04` markers, OK and ERR.

use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::time::Duration;

use super::*;
use crate::source::endpoint::Secret;

/// A packet: 3-byte length, sequence number, payload.
fn packet(seq: u8, payload: &[u8]) -> Vec<u8> {
    let mut p = (payload.len() as u32).to_le_bytes().to_vec();
    p[3] = seq;
    p.extend_from_slice(payload);
    p
}

fn read_packet(s: &mut impl Read) -> (u8, Vec<u8>) {
    let mut head = [0u8; 4];
    s.read_exact(&mut head).unwrap();
    let len = u32::from_le_bytes([head[0], head[1], head[2], 0]) as usize;
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).unwrap();
    (head[3], body)
}

const NONCE: &[u8; 20] = b"abcdefghijklmnopqrst";

/// MySQL 8.0's HandshakeV10 offering caching_sha2_password, without TLS.
fn mysql8_handshake() -> Vec<u8> {
    let caps: u32 = 0x0000_0001 // CLIENT_LONG_PASSWORD
        | 0x0000_0200 // CLIENT_PROTOCOL_41
        | 0x0000_2000 // CLIENT_TRANSACTIONS
        | 0x0000_8000 // CLIENT_SECURE_CONNECTION
        | 0x0008_0000 // CLIENT_PLUGIN_AUTH
        | 0x0020_0000; // CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
    let mut p = vec![10];
    p.extend_from_slice(b"8.0.36\0");
    p.extend_from_slice(&7u32.to_le_bytes());
    p.extend_from_slice(&NONCE[..8]);
    p.push(0);
    p.extend_from_slice(&(caps as u16).to_le_bytes());
    p.push(255); // utf8mb4_0900_ai_ci
    p.extend_from_slice(&2u16.to_le_bytes()); // SERVER_STATUS_AUTOCOMMIT
    p.extend_from_slice(&((caps >> 16) as u16).to_le_bytes());
    p.push(21);
    p.extend_from_slice(&[0; 10]);
    p.extend_from_slice(&NONCE[8..]);
    p.push(0);
    p.extend_from_slice(b"caching_sha2_password\0");
    p
}

const OK: &[u8] = &[0x00, 0, 0, 2, 0, 0, 0];

/// Serves one connection on a fresh unix socket with `script`, returning the socket path.
fn serve(
    script: impl FnOnce(&mut std::os::unix::net::UnixStream) + Send + 'static,
) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let listener = UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(&packet(0, &mysql8_handshake())).unwrap();
        script(&mut s);
    });
    (dir, path)
}

fn options(endpoint: Endpoint) -> ConnectOptions {
    ConnectOptions {
        endpoint,
        user: "repl".into(),
        password: Some(Secret::new("s3cret".into())),
        ssl_mode: SslMode::Disabled,
        ssl_ca: None,
    }
}

/// The handshake response's auth data: after the fixed part and the NUL-ended user.
fn auth_data(response: &[u8]) -> &[u8] {
    let rest = &response[32..];
    let user_end = rest.iter().position(|&b| b == 0).unwrap();
    assert_eq!(&rest[..user_end], b"repl");
    let rest = &rest[user_end + 1..];
    let len = rest[0] as usize;
    &rest[1..=len]
}

#[test]
fn caching_sha2_fast_authentication() {
    let (_dir, path) = serve(|s| {
        let (seq, response) = read_packet(s);
        assert_eq!(seq, 1);
        assert_eq!(auth_data(&response).len(), 32, "a SHA-256 scramble");
        assert!(response.ends_with(b"caching_sha2_password\0"));
        s.write_all(&packet(2, &[0x01, 0x03])).unwrap();
        s.write_all(&packet(3, OK)).unwrap();
    });
    let conn = Conn::open(&options(Endpoint::Socket(path)), Duration::from_secs(5)).unwrap();
    assert_eq!(conn.server_version, "8.0.36");
}

#[test]
fn caching_sha2_full_authentication_sends_the_password_only_when_secure() {
    // Over a unix socket: the password goes in clear, NUL-terminated.
    let (_dir, path) = serve(|s| {
        read_packet(s);
        s.write_all(&packet(2, &[0x01, 0x04])).unwrap();
        let (seq, clear) = read_packet(s);
        assert_eq!((seq, clear.as_slice()), (3, &b"s3cret\0"[..]));
        s.write_all(&packet(4, OK)).unwrap();
    });
    Conn::open(&options(Endpoint::Socket(path)), Duration::from_secs(5)).unwrap();

    // Over plain TCP: refused, and the password is not sent.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(&packet(0, &mysql8_handshake())).unwrap();
        read_packet(&mut s);
        s.write_all(&packet(2, &[0x01, 0x04])).unwrap();
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).unwrap();
        rest
    });
    let opts = options(Endpoint::Tcp {
        host: "127.0.0.1".into(),
        port,
    });
    let err = Conn::open(&opts, Duration::from_secs(5)).err().unwrap();
    drop(opts);
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("repl@127.0.0.1:{port}: authenticating: ")),
        "{text}"
    );
    assert!(
        text.contains("full authentication") && text.contains("TLS"),
        "{text}"
    );
    assert!(!text.contains("s3cret"));
    let sent_after = server.join().unwrap();
    assert!(
        !sent_after.windows(6).any(|w| w == b"s3cret"),
        "the password stayed home"
    );
}

#[test]
fn an_auth_switch_to_mysql_native_password() {
    let (_dir, path) = serve(|s| {
        read_packet(s);
        let mut switch = vec![0xfe];
        switch.extend_from_slice(b"mysql_native_password\0");
        switch.extend_from_slice(b"ABCDEFGHIJKLMNOPQRST\0");
        s.write_all(&packet(2, &switch)).unwrap();
        let (seq, scramble) = read_packet(s);
        assert_eq!(
            (seq, scramble.len()),
            (3, 20),
            "a SHA-1 scramble over the new nonce"
        );
        s.write_all(&packet(4, OK)).unwrap();
    });
    Conn::open(&options(Endpoint::Socket(path)), Duration::from_secs(5)).unwrap();
}

#[test]
fn an_err_packet_during_authentication_is_the_servers_message() {
    let (_dir, path) = serve(|s| {
        read_packet(s);
        let mut err = vec![0xff];
        err.extend_from_slice(&1045u16.to_le_bytes());
        err.extend_from_slice(b"#28000Access denied for user 'repl'@'x' (using password: YES)");
        s.write_all(&packet(2, &err)).unwrap();
    });
    let err = Conn::open(&options(Endpoint::Socket(path)), Duration::from_secs(5))
        .err()
        .unwrap();
    assert!(matches!(err.kind, ErrorKind::Server { code: 1045, .. }));
    assert!(!err.is_transient());
    assert!(
        err.to_string()
            .contains("authenticating: Access denied for user 'repl'")
    );
}

#[test]
fn something_that_is_not_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let listener = UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(b"SSH-2.0-OpenSSH_9.2\r\n").unwrap();
    });
    let err = Conn::open(&options(Endpoint::Socket(path)), Duration::from_secs(5))
        .err()
        .unwrap();
    let text = err.to_string();
    assert!(text.contains("reading the handshake"), "{text}");
}

#[test]
fn length_encoded_integers() {
    let mut b: &[u8] = &[0xfa, 1];
    assert_eq!(lenenc_int(&mut b), Some(250));
    assert_eq!(b, [1]);
    let mut b: &[u8] = &[0xfc, 0x34, 0x12];
    assert_eq!(lenenc_int(&mut b), Some(0x1234));
    let mut b: &[u8] = &[0xfd, 1, 2];
    assert_eq!(lenenc_int(&mut b), None, "cut short");
    let mut b: &[u8] = &[0xff];
    assert_eq!(lenenc_int(&mut b), None);
}
