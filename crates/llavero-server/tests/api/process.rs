//! `llavero serve` as a child process, for tests that need the real binary
//! (several replicas, signals, the first-start banner).
//!
//! The server binds port 0 and prints the address the OS chose on stdout,
//! so two tests can never race for a port. The child is killed and reaped
//! when the [`ServerProcess`] is dropped — also when the test panics.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_llavero");

/// How long a server may take to bind (a cold SQLite file, a loaded machine).
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `llavero serve`.
pub struct ServerProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts `cmd` (a `llavero` command without its `serve` argument) on
    /// `127.0.0.1:0` and waits until it has bound its port.
    pub fn start(mut cmd: Command) -> ServerProcess {
        let mut child = cmd
            .arg("serve")
            .env("LLAVERO_LISTEN", "127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {BIN}: {e}"));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let err_pipe = child.stderr.take().unwrap();
        let lines = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err_pipe).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let out_pipe = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out_pipe).lines().map_while(Result::ok) {
                if let Some(base) = line.strip_prefix("llavero: listening on ") {
                    let _ = tx.send(base.trim().to_owned());
                }
            }
        });
        let mut server = ServerProcess {
            child,
            base: String::new(),
            stderr,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(base) = rx.recv_timeout(Duration::from_millis(50)) {
                server.base = base;
                return server;
            }
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!(
                    "the server exited ({status}) before listening:\n{}",
                    server.stderr_text()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the server did not listen within {START_TIMEOUT:?}:\n{}",
                server.stderr_text()
            );
        }
    }

    /// Everything the server wrote to stderr so far.
    pub fn stderr_text(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// Waits (up to 30 s) for a stderr line that satisfies `wanted`; returns it.
    pub fn stderr_until(&self, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(line) = self.stderr.lock().unwrap().iter().find(|l| wanted(l)) {
                return line.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no such line on stderr:\n{}",
                self.stderr_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGTERM and waits for the exit (a graceful stop).
    pub fn terminate(&mut self) -> ExitStatus {
        self.send_term();
        self.child.wait().unwrap()
    }

    /// Sends SIGTERM; the exit status, if the server exits within `limit`.
    pub fn terminate_within(&mut self, limit: Duration) -> Option<ExitStatus> {
        self.send_term();
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn send_term(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -TERM failed");
    }

    /// Kills the server with SIGKILL (a crash: nothing runs after it).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A replica on PostgreSQL `url` with the tests' pepper and service token,
/// and a five-minute cache TTL: only invalidation can make a revocation
/// visible within what the replica tests assert.
pub fn replica(url: &str, admin_password: &str) -> ServerProcess {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("LLAVERO_DATABASE_URL", url)
        .env("LLAVERO_KEY_PEPPER", crate::helpers::PG_PEPPER)
        .env("LLAVERO_VERIFY_TOKEN", crate::helpers::VERIFY_TOKEN)
        .env("LLAVERO_ADMIN_PASSWORD", admin_password)
        .env("LLAVERO_CACHE_TTL_SECS", "300")
        .env("RUST_LOG", "error");
    ServerProcess::start(cmd)
}

/// The `/verify` code of `key` at `base` (`http://127.0.0.1:PORT`).
pub async fn verify_at(base: &str, key: &str) -> String {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/verify"))
        .bearer_auth(crate::helpers::VERIFY_TOKEN)
        .json(&serde_json::json!({ "key": key }))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap_or_else(|e| panic!("verify at {base}: {e}"));
    let body: serde_json::Value = res.json().await.unwrap_or_default();
    body["data"]["code"].as_str().unwrap_or_default().to_owned()
}
