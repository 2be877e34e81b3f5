//! `llavero probe URL`: a dependency-free HTTP health check for containers.
//!
//! Speaks just enough HTTP/1.0 over a plain TCP socket to read the status
//! line, so the runtime image needs neither curl nor wget. TCP delivers a
//! byte stream, not messages: the status line may arrive in any number of
//! segments, so the probe reads until the line ends (or a byte bound or the
//! deadline is reached) instead of trusting a single `read()`.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// How long the whole probe may take: connect, send, and read the status line.
const DEADLINE: Duration = Duration::from_secs(3);
/// The longest status line the probe accepts (`HTTP/1.1 200 OK` is 15 bytes).
const MAX_STATUS_LINE: usize = 256;

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
    let started = Instant::now();
    let mut stream = TcpStream::connect_timeout(&addr, DEADLINE)
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_write_timeout(Some(DEADLINE))?;
    stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: {authority}\r\n\r\n").as_bytes())?;
    let status_line = read_status_line(&mut stream, started + DEADLINE)
        .with_context(|| format!("reading the answer of {url}"))?;
    let status = status_line.split_whitespace().nth(1).unwrap_or("");
    if status == "200" {
        Ok(())
    } else {
        bail!("{url} answered {status_line:?}")
    }
}

/// Reads up to the first `\n` (the status line, without its line ending),
/// however many segments it comes in, until `deadline`.
fn read_status_line(stream: &mut TcpStream, deadline: Instant) -> anyhow::Result<String> {
    let mut line = Vec::with_capacity(64);
    let mut buf = [0u8; 64];
    loop {
        if let Some(end) = line.iter().position(|&b| b == b'\n') {
            line.truncate(end);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(String::from_utf8_lossy(&line).into_owned());
        }
        if line.len() > MAX_STATUS_LINE {
            bail!("no status line in the first {MAX_STATUS_LINE} bytes");
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            bail!("timed out after {DEADLINE:?} waiting for the status line");
        }
        stream.set_read_timeout(Some(left))?;
        match stream.read(&mut buf) {
            Ok(0) if line.is_empty() => bail!("the connection closed without an answer"),
            Ok(0) => bail!(
                "the connection closed inside the status line {:?}",
                String::from_utf8_lossy(&line)
            ),
            Ok(n) => line.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                bail!("timed out after {DEADLINE:?} waiting for the status line")
            }
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread::JoinHandle;

    #[test]
    fn refuses_other_schemes_and_closed_ports() {
        assert!(probe("https://127.0.0.1:1/").is_err());
        assert!(probe("http://127.0.0.1:1/readyz").is_err());
    }

    /// A server on port 0 that answers each connection with the next of
    /// `answers`, written one byte per `write` call with a pause between
    /// bytes, so every byte travels in its own TCP segment.
    fn byte_at_a_time_server(answers: Vec<&'static str>) -> (String, JoinHandle<()>) {
        segmented_server(answers, 1)
    }

    /// Like [`byte_at_a_time_server`], `chunk` bytes per segment.
    fn segmented_server(answers: Vec<&'static str>, chunk: usize) -> (String, JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/readyz", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            for answer in answers {
                let (mut s, _) = listener.accept().unwrap();
                s.set_nodelay(true).unwrap();
                // Read the whole request first: closing with unread bytes
                // would reset the connection under the reply.
                let mut request = Vec::new();
                let mut buf = [0u8; 256];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                for piece in answer.as_bytes().chunks(chunk) {
                    // The client may have given up (that is what some
                    // cases test): a failed write ends this answer.
                    if s.write_all(piece).is_err() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        });
        (url, server)
    }

    #[test]
    fn reads_a_status_line_sent_one_byte_at_a_time() {
        let (url, server) = byte_at_a_time_server(vec![
            "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n",
        ]);
        probe(&url).unwrap();
        let err = probe(&url).unwrap_err();
        assert!(
            format!("{err:#}").contains("503 Service Unavailable"),
            "{err:#}"
        );
        server.join().unwrap();
    }

    #[test]
    fn a_status_line_cut_short_is_unhealthy() {
        let (url, server) = byte_at_a_time_server(vec!["HTTP/1.1 200", ""]);
        let err = probe(&url).unwrap_err();
        assert!(
            format!("{err:#}").contains("closed inside the status line"),
            "{err:#}"
        );
        let err = probe(&url).unwrap_err();
        assert!(
            format!("{err:#}").contains("closed without an answer"),
            "{err:#}"
        );
        server.join().unwrap();
    }

    #[test]
    fn an_endless_status_line_is_bounded() {
        let endless: &'static str = Box::leak("x".repeat(MAX_STATUS_LINE + 64).into_boxed_str());
        // In 32-byte segments: the bound, not the deadline, must end it.
        let (url, server) = segmented_server(vec![endless], 32);
        let err = probe(&url).unwrap_err();
        assert!(format!("{err:#}").contains("no status line"), "{err:#}");
        server.join().unwrap();
    }
}
