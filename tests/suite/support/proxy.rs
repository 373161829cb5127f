//! A TCP proxy in front of a test server that passes the MySQL protocol through and then
//! sabotages the binlog stream: cuts it mid-packet, sends an absurd event, or garbage.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

/// What the proxy does once the dump has sent `after` packets.
#[derive(Clone, Copy)]
pub enum Sabotage {
    /// Sends half of the next packet, then closes: the server gone mid-event.
    CutMidPacket,
    /// Sends a packet with the right sequence number holding an event whose size field
    /// is absurd.
    AbsurdEventSize,
    /// Sends a packet header with a wrong sequence number and garbage.
    Garbage,
}

/// A TCP proxy in front of `port` that passes the protocol through and sabotages the
/// binlog stream after `after` packets of it. Serves one connection.
pub fn proxy(port: u16, after: usize, how: Sabotage) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let local = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (client, _) = listener.accept().unwrap();
        let server = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let dumping = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        {
            let (mut c, mut s) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let dumping = dumping.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while let Ok(n) = c.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    // A command packet: sequence 0, then COM_BINLOG_DUMP (0x12).
                    if n >= 5 && buf[3] == 0 && buf[4] == 0x12 {
                        dumping.store(true, std::sync::atomic::Ordering::SeqCst);
                    }
                    if s.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
        let (mut s, mut c) = (server, client);
        let mut streamed = 0;
        loop {
            let mut head = [0u8; 4];
            if s.read_exact(&mut head).is_err() {
                return;
            }
            let len = u32::from_le_bytes([head[0], head[1], head[2], 0]) as usize;
            let mut body = vec![0u8; len];
            if s.read_exact(&mut body).is_err() {
                return;
            }
            let in_dump =
                dumping.load(std::sync::atomic::Ordering::SeqCst) && body.first() == Some(&0);
            if in_dump && streamed == after {
                match how {
                    Sabotage::CutMidPacket => {
                        let _ = c.write_all(&head);
                        let _ = c.write_all(&body[..len / 2]);
                    }
                    Sabotage::AbsurdEventSize => {
                        let mut event = vec![0u8; 1 + 19];
                        event[1 + 4] = 2; // QUERY_EVENT
                        // The size field: after the OK byte, at header offset 9.
                        event[10..14].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
                        let mut h = (event.len() as u32).to_le_bytes();
                        h[3] = head[3];
                        let _ = c.write_all(&h);
                        let _ = c.write_all(&event);
                    }
                    Sabotage::Garbage => {
                        let _ = c.write_all(&[0x10, 0, 0, head[3].wrapping_add(7)]);
                        let _ = c.write_all(b"HTTP/1.1 400 Bad");
                    }
                }
                let _ = c.shutdown(std::net::Shutdown::Both);
                let _ = s.shutdown(std::net::Shutdown::Both);
                return;
            }
            if in_dump {
                streamed += 1;
            }
            if c.write_all(&head).is_err() || c.write_all(&body).is_err() {
                return;
            }
        }
    });
    local
}
