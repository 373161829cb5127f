//! One client connection: connect, TLS, authenticate, then text queries or raw commands.
//!
//! Packets, the handshake structs and the password scrambles come from `mysql_common`
//! (the protocol crate under the `mysql` and `mysql_async` drivers); this module only
//! drives them, so that a binlog dump can read each packet's bytes as they arrived.
//!
//! Authentication: `mysql_native_password`, `caching_sha2_password` (fast path, and full
//! authentication over TLS or a unix socket: like the MySQL client, binlens does not send
//! the password RSA-encrypted over plain TCP) and MariaDB's `client_ed25519`.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use mysql_common::constants::{CapabilityFlags, UTF8MB4_GENERAL_CI};
use mysql_common::io::ParseBuf;
use mysql_common::packets::{
    AuthPlugin, AuthSwitchRequest, ErrPacket, HandshakePacket, HandshakeResponse, SslRequest,
};
use mysql_common::proto::MySerialize;
use mysql_common::proto::codec::error::PacketCodecError;
use mysql_common::proto::sync_framed::MySyncFramed;

use super::endpoint::{ConnectOptions, Endpoint, Secret, SslMode};
use super::error::{Error, ErrorKind, Result, Step};
use super::tls::{self, TlsStream};

/// The largest packet binlens accepts: a replica's `slave_max_allowed_packet` ceiling
/// (1 GiB) plus the OK byte. A longer chain of 16 MiB chunks is garbage.
pub const MAX_PACKET: usize = (1 << 30) + 1;

const MAX_PACKET_ANNOUNCED: u32 = 1 << 30;

enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
    Tls(Box<TlsStream>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Tcp(s) => s.flush(),
            Stream::Unix(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

impl Stream {
    fn set_read_timeout(&self, t: Option<Duration>) -> std::io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_read_timeout(t),
            Stream::Unix(s) => s.set_read_timeout(t),
            Stream::Tls(s) => s.sock.set_read_timeout(t),
        }
    }
}

/// A row of a text result set: one value per column, `None` for NULL.
pub type TextRow = Vec<Option<Vec<u8>>>;

/// An authenticated connection.
pub struct Conn {
    framed: MySyncFramed<Stream>,
    caps: CapabilityFlags,
    server: String,
    /// The version string from the handshake (`10.11.6-MariaDB-log`).
    pub server_version: String,
    /// TLS is on.
    pub tls: bool,
    read_timeout: Option<Duration>,
}

impl Conn {
    /// Connects, upgrades to TLS as `--ssl-mode` says, and authenticates. `timeout`
    /// bounds the TCP connect and every read until [`Conn::set_read_timeout`] changes it.
    pub fn open(opts: &ConnectOptions, timeout: Duration) -> Result<Conn> {
        let server = opts.server_name();
        let fail = |step: Step, kind: ErrorKind| Error::new(&server, step, kind);
        let stream = match &opts.endpoint {
            Endpoint::Tcp { host, port } => {
                let addrs: Vec<_> = (host.as_str(), *port)
                    .to_socket_addrs()
                    .map_err(|e| fail(Step::Connect, ErrorKind::Io(e)))?
                    .collect();
                let mut last = None;
                let mut tcp = None;
                for addr in addrs {
                    match TcpStream::connect_timeout(&addr, timeout) {
                        Ok(s) => {
                            tcp = Some(s);
                            break;
                        }
                        Err(e) => last = Some(e),
                    }
                }
                let tcp = tcp.ok_or_else(|| {
                    let e = last.unwrap_or_else(|| std::io::Error::other("no address"));
                    fail(Step::Connect, ErrorKind::Io(e))
                })?;
                let _ = tcp.set_nodelay(true);
                Stream::Tcp(tcp)
            }
            Endpoint::Socket(path) => Stream::Unix(
                UnixStream::connect(path).map_err(|e| fail(Step::Connect, ErrorKind::Io(e)))?,
            ),
        };
        stream
            .set_read_timeout(Some(timeout))
            .map_err(|e| fail(Step::Connect, ErrorKind::Io(e)))?;
        let mut framed = MySyncFramed::new(stream);
        framed.codec_mut().max_allowed_packet = MAX_PACKET;
        let mut conn = Conn {
            framed,
            caps: CapabilityFlags::empty(),
            server: server.clone(),
            server_version: String::new(),
            tls: false,
            read_timeout: Some(timeout),
        };
        conn.handshake(opts)?;
        Ok(conn)
    }

    /// The server as messages name it.
    pub fn server(&self) -> &str {
        &self.server
    }

    fn error(&self, step: Step, kind: ErrorKind) -> Error {
        Error::new(&self.server, step, kind)
    }

    pub fn set_read_timeout(&mut self, t: Option<Duration>) -> Result<()> {
        self.read_timeout = t;
        self.framed
            .get_mut()
            .set_read_timeout(t)
            .map_err(|e| self.error(Step::Connect, ErrorKind::Io(e)))
    }

    /// The next packet's payload (chunks of a long packet joined).
    pub fn read_packet(&mut self, step: Step) -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        match self.framed.next_packet(&mut buf) {
            Ok(true) => Ok(buf),
            Ok(false) => Err(self.error(step, ErrorKind::Closed { mid_packet: false })),
            Err(PacketCodecError::Io(e))
                if e.kind() == std::io::ErrorKind::Other
                    && e.to_string() == "bytes remaining on stream" =>
            {
                // MySyncFramed's "bytes remaining on stream": the peer closed mid-packet.
                Err(self.error(step, ErrorKind::Closed { mid_packet: true }))
            }
            Err(PacketCodecError::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::UnexpectedEof
                        | std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::BrokenPipe
                ) =>
            {
                Err(self.error(step, ErrorKind::Closed { mid_packet: false }))
            }
            Err(PacketCodecError::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                let waited = self.read_timeout.map_or(0.0, |t| t.as_secs_f64());
                Err(self.error(
                    step,
                    ErrorKind::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("nothing from the server for {waited:.0} s (a dead connection, or a server that hangs)"),
                    )),
                ))
            }
            Err(PacketCodecError::Io(e)) => Err(self.error(step, ErrorKind::Io(e))),
            Err(PacketCodecError::PacketTooLarge) => Err(self.error(
                step,
                ErrorKind::Protocol(format!(
                    "a packet longer than {MAX_PACKET} bytes (garbage, or not a MySQL server)"
                )),
            )),
            Err(PacketCodecError::PacketsOutOfSync) => Err(self.error(
                step,
                ErrorKind::Protocol(
                    "packet sequence number out of order (garbage, or not a MySQL server)".into(),
                ),
            )),
            Err(PacketCodecError::BadCompressedPacketHeader) => Err(self.error(
                step,
                ErrorKind::Protocol("bad compressed packet header".into()),
            )),
        }
    }

    /// Sends a packet that continues the current exchange.
    fn write_packet(&mut self, step: Step, payload: &[u8]) -> Result<()> {
        self.framed
            .send(&mut &payload[..])
            .map_err(|e| self.codec_error(step, e))
    }

    fn codec_error(&self, step: Step, e: PacketCodecError) -> Error {
        match e {
            PacketCodecError::Io(e) => self.error(step, ErrorKind::Io(e)),
            other => self.error(step, ErrorKind::Protocol(other.to_string())),
        }
    }

    /// Sends a command (a packet with sequence number 0).
    pub fn command(&mut self, step: Step, payload: &[u8]) -> Result<()> {
        self.framed.codec_mut().reset_seq_id();
        self.write_packet(step, payload)
    }

    /// The server's error in an ERR packet (`ff` first).
    pub fn server_error(&self, step: Step, packet: &[u8]) -> Error {
        let kind = match ParseBuf(packet).parse::<ErrPacket<'_>>(self.caps) {
            Ok(ErrPacket::Error(e)) => ErrorKind::Server {
                code: e.error_code(),
                message: e.message_str().into_owned(),
            },
            Ok(ErrPacket::Progress(_)) => ErrorKind::Protocol("unexpected progress report".into()),
            Err(_) => ErrorKind::Protocol("malformed ERR packet".into()),
        };
        self.error(step, kind)
    }

    /// Reads the OK that ends a command; an ERR becomes the error.
    pub fn expect_ok(&mut self, step: Step) -> Result<()> {
        let p = self.read_packet(step.clone())?;
        match p.first() {
            Some(0x00) => Ok(()),
            Some(0xff) => Err(self.server_error(step, &p)),
            _ => Err(self.error(step, ErrorKind::Protocol("expected an OK packet".into()))),
        }
    }

    /// Runs a statement that returns no rows.
    pub fn exec(&mut self, what: &'static str, sql: &str) -> Result<()> {
        self.query(what, sql).map(drop)
    }

    /// Runs one statement over the text protocol and returns its rows.
    pub fn query(&mut self, what: &'static str, sql: &str) -> Result<Vec<TextRow>> {
        let step = Step::Query(what);
        let mut cmd = Vec::with_capacity(sql.len() + 1);
        cmd.push(0x03); // COM_QUERY
        cmd.extend_from_slice(sql.as_bytes());
        self.command(step.clone(), &cmd)?;
        let first = self.read_packet(step.clone())?;
        let columns = match first.first() {
            Some(0x00) => return Ok(Vec::new()),
            Some(0xff) => return Err(self.server_error(step, &first)),
            _ => lenenc_int(&mut &first[..])
                .ok_or_else(|| self.error(step.clone(), bad("result set header")))?,
        };
        for _ in 0..columns {
            self.read_packet(step.clone())?;
        }
        let eof = self.read_packet(step.clone())?;
        if !is_eof(&eof) {
            return Err(self.error(step, bad("end of the column definitions")));
        }
        let mut rows = Vec::new();
        loop {
            let p = self.read_packet(step.clone())?;
            if is_eof(&p) {
                return Ok(rows);
            }
            if p.first() == Some(&0xff) {
                return Err(self.server_error(step, &p));
            }
            let mut rest = &p[..];
            let mut row = Vec::with_capacity(columns as usize);
            for _ in 0..columns {
                if rest.first() == Some(&0xfb) {
                    rest = &rest[1..];
                    row.push(None);
                    continue;
                }
                let len =
                    lenenc_int(&mut rest).ok_or_else(|| self.error(step.clone(), bad("row")))?;
                let len = usize::try_from(len).unwrap_or(usize::MAX);
                if len > rest.len() {
                    return Err(self.error(step, bad("row")));
                }
                let (value, tail) = rest.split_at(len);
                row.push(Some(value.to_vec()));
                rest = tail;
            }
            rows.push(row);
        }
    }

    fn handshake(&mut self, opts: &ConnectOptions) -> Result<()> {
        let payload = self.read_packet(Step::Handshake)?;
        if payload.first() == Some(&0xff) {
            return Err(self.server_error(Step::Handshake, &payload));
        }
        let hs = ParseBuf(&payload)
            .parse::<HandshakePacket<'_>>(())
            .map_err(|e| {
                self.error(
                    Step::Handshake,
                    ErrorKind::Protocol(format!("not a MySQL handshake: {e}")),
                )
            })?;
        if hs.protocol_version() != 10 {
            return Err(self.error(
                Step::Handshake,
                ErrorKind::Protocol(format!(
                    "protocol version {} (expected 10)",
                    hs.protocol_version()
                )),
            ));
        }
        let server_caps = hs.capabilities();
        if !server_caps.contains(CapabilityFlags::CLIENT_PROTOCOL_41) {
            return Err(self.error(
                Step::Handshake,
                ErrorKind::Protocol("the server is older than MySQL 4.1".into()),
            ));
        }
        self.server_version = hs.server_version_str().into_owned();
        let version = hs.server_version_parsed().unwrap_or((0, 0, 0));
        let mut client = CapabilityFlags::CLIENT_PROTOCOL_41
            | CapabilityFlags::CLIENT_SECURE_CONNECTION
            | CapabilityFlags::CLIENT_LONG_PASSWORD
            | CapabilityFlags::CLIENT_TRANSACTIONS
            | CapabilityFlags::CLIENT_PLUGIN_AUTH
            | CapabilityFlags::CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
            | (server_caps & CapabilityFlags::CLIENT_LONG_FLAG);
        let tcp_host = match &opts.endpoint {
            Endpoint::Tcp { host, .. } => Some(host.clone()),
            Endpoint::Socket(_) => None,
        };
        let want_tls = match (opts.ssl_mode, &tcp_host) {
            (SslMode::Disabled, _) | (SslMode::Preferred, None) => false,
            (SslMode::Preferred, Some(_)) => server_caps.contains(CapabilityFlags::CLIENT_SSL),
            (_, None) => {
                return Err(self.error(
                    Step::Tls,
                    ErrorKind::Config(
                        "TLS over a unix socket is not supported (the socket is local)".into(),
                    ),
                ));
            }
            (_, Some(_)) => {
                if !server_caps.contains(CapabilityFlags::CLIENT_SSL) {
                    return Err(self.error(
                        Step::Tls,
                        ErrorKind::Config(
                            "the server does not offer TLS (--ssl-mode asks for it)".into(),
                        ),
                    ));
                }
                true
            }
        };
        if want_tls {
            client |= CapabilityFlags::CLIENT_SSL;
        }
        self.caps = server_caps & client;
        if let (true, Some(host)) = (want_tls, tcp_host) {
            let request =
                SslRequest::new(self.caps, MAX_PACKET_ANNOUNCED, UTF8MB4_GENERAL_CI as u8);
            let mut buf = Vec::new();
            request.serialize(&mut buf);
            self.write_packet(Step::Tls, &buf)?;
            self.start_tls(&host, opts)?;
        }
        let mut nonce = hs.scramble_1_ref().to_vec();
        nonce.extend_from_slice(hs.scramble_2_ref().unwrap_or_default());
        nonce.resize(20, 0);
        let plugin = match hs.auth_plugin() {
            Some(AuthPlugin::CachingSha2Password) => AuthPlugin::CachingSha2Password,
            _ => AuthPlugin::MysqlNativePassword,
        };
        let password = opts.password.as_ref().map(Secret::expose);
        let data = plugin.gen_data(password, &nonce).map(|d| {
            let mut b = Vec::new();
            d.serialize(&mut b);
            b
        });
        let response = HandshakeResponse::new(
            data.as_deref(),
            version,
            Some(opts.user.as_bytes()),
            None::<&[u8]>,
            Some(plugin.clone()),
            self.caps,
            None,
            MAX_PACKET_ANNOUNCED,
        );
        let mut buf = Vec::new();
        response.serialize(&mut buf);
        self.write_packet(Step::Authenticate, &buf)?;
        let secure = self.tls || matches!(opts.endpoint, Endpoint::Socket(_));
        self.authenticate(plugin.into_owned(), password, secure)
    }

    fn start_tls(&mut self, host: &str, opts: &ConnectOptions) -> Result<()> {
        let placeholder = MySyncFramed::new(Stream::Unix(
            UnixStream::pair()
                .map_err(|e| self.error(Step::Tls, ErrorKind::Io(e)))?
                .0,
        ));
        let framed = std::mem::replace(&mut self.framed, placeholder);
        let (in_buf, out_buf, codec, stream) = framed.destruct();
        let Stream::Tcp(tcp) = stream else {
            return Err(self.error(
                Step::Tls,
                ErrorKind::Config("TLS needs a TCP connection".into()),
            ));
        };
        let tls = tls::connect(tcp, host, opts.ssl_mode, opts.ssl_ca.as_deref())
            .map_err(|e| self.error(Step::Tls, ErrorKind::Config(e)))?;
        self.framed = MySyncFramed::construct(in_buf, out_buf, codec, Stream::Tls(Box::new(tls)));
        self.tls = true;
        Ok(())
    }

    /// The exchange after the handshake response: OK, ERR, an auth switch, or the
    /// caching_sha2_password fast/full authentication packets.
    fn authenticate(
        &mut self,
        mut plugin: AuthPlugin<'static>,
        password: Option<&str>,
        secure: bool,
    ) -> Result<()> {
        let step = Step::Authenticate;
        let mut switched = false;
        loop {
            let p = self.read_packet(step.clone())?;
            match (p.first(), p.get(1)) {
                (Some(0x00), _) => return Ok(()),
                (Some(0xff), _) => return Err(self.server_error(step, &p)),
                (Some(0xfe), _) if !switched => {
                    let switch = ParseBuf(&p)
                        .parse::<AuthSwitchRequest<'_>>(())
                        .map_err(|_| self.error(step.clone(), bad("auth switch request")))?;
                    plugin = switch.auth_plugin().into_owned();
                    let nonce = switch.plugin_data().to_vec();
                    switched = true;
                    let data = match &plugin {
                        AuthPlugin::MysqlNativePassword
                        | AuthPlugin::CachingSha2Password
                        | AuthPlugin::Ed25519 => plugin.gen_data(password, &nonce),
                        AuthPlugin::MysqlClearPassword if secure => {
                            plugin.gen_data(password, &nonce)
                        }
                        other => {
                            return Err(self.error(
                                step,
                                ErrorKind::Config(format!(
                                    "the server asks for the {} authentication plugin, which binlens does not support{}",
                                    String::from_utf8_lossy(other.as_bytes()),
                                    if secure { "" } else { " over an unencrypted connection" }
                                )),
                            ));
                        }
                    };
                    let mut buf = Vec::new();
                    if let Some(d) = data {
                        d.serialize(&mut buf);
                    }
                    self.write_packet(step.clone(), &buf)?;
                }
                (Some(0x01), Some(0x03)) if plugin == AuthPlugin::CachingSha2Password => {
                    // Fast authentication succeeded; the OK follows.
                }
                (Some(0x01), Some(0x04)) if plugin == AuthPlugin::CachingSha2Password => {
                    if !secure {
                        return Err(self.error(
                            step,
                            ErrorKind::Config(
                                "caching_sha2_password needs full authentication, which sends the password: \
                                 use TLS (--ssl-mode REQUIRED) or a unix socket"
                                    .into(),
                            ),
                        ));
                    }
                    let mut clear = password.unwrap_or_default().as_bytes().to_vec();
                    clear.push(0);
                    self.write_packet(step.clone(), &clear)?;
                }
                _ => {
                    return Err(self.error(
                        step,
                        ErrorKind::Protocol("unexpected packet during authentication".into()),
                    ));
                }
            }
        }
    }
}

impl Drop for Conn {
    /// Says goodbye (COM_QUIT), so the server does not count an aborted connection.
    fn drop(&mut self) {
        let _ = self.command(Step::Connect, &[0x01]);
    }
}

fn bad(what: &str) -> ErrorKind {
    ErrorKind::Protocol(format!("malformed {what}"))
}

/// An EOF packet (`fe`, shorter than 9 bytes: a longer one is a row starting with a
/// 8-byte length).
fn is_eof(p: &[u8]) -> bool {
    p.first() == Some(&0xfe) && p.len() < 9
}

/// A length-encoded integer; advances `buf` past it.
pub fn lenenc_int(buf: &mut &[u8]) -> Option<u64> {
    let (&first, rest) = buf.split_first()?;
    let width = match first {
        0..=0xfa => {
            *buf = rest;
            return Some(u64::from(first));
        }
        0xfc => 2,
        0xfd => 3,
        0xfe => 8,
        _ => return None,
    };
    let bytes = rest.get(..width)?;
    let mut v = [0u8; 8];
    v[..width].copy_from_slice(bytes);
    *buf = &rest[width..];
    Some(u64::from_le_bytes(v))
}

#[cfg(test)]
mod tests;
