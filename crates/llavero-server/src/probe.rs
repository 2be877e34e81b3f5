//! `llavero probe URL`: a dependency-free HTTP health check for containers.
//!
//! Speaks just enough HTTP/1.0 over a plain TCP socket to read the status
//! line, so the runtime image needs neither curl nor wget.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use anyhow::{bail, Context};

/// Succeeds when `url` (http only) answers 200.
pub fn probe(url: &str) -> anyhow::Result<()> {
    let rest = url
        .strip_prefix("http://")
        .context("probe takes an http:// URL")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let addr = authority
        .to_socket_addrs()
        .with_context(|| format!("resolving {authority}"))?
        .next()
        .context("no address")?;
    let timeout = Duration::from_secs(3);
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {authority}\r\n\r\n")?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head)?;
    let status_line = String::from_utf8_lossy(&head[..n]);
    let status = status_line.split_whitespace().nth(1).unwrap_or("");
    if status == "200" {
        Ok(())
    } else {
        bail!(
            "{url} answered {:?}",
            status_line.lines().next().unwrap_or("")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_other_schemes_and_closed_ports() {
        assert!(probe("https://127.0.0.1:1/").is_err());
        assert!(probe("http://127.0.0.1:1/readyz").is_err());
    }

    #[test]
    fn reads_the_status_of_a_real_answer() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let server = std::thread::spawn(move || {
            for status in ["200 OK", "503 Service Unavailable"] {
                if let Ok((mut s, _)) = listener.accept() {
                    // Read the whole request first: closing with unread
                    // bytes would reset the connection under the reply.
                    let mut request = Vec::new();
                    let mut buf = [0u8; 256];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match s.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let _ = write!(s, "HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n");
                }
            }
        });
        assert!(probe(&format!("http://127.0.0.1:{port}/readyz")).is_ok());
        assert!(probe(&format!("http://127.0.0.1:{port}/readyz")).is_err());
        let _ = server.join();
    }
}
