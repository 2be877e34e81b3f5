//! A webhook receiver for the tests: `tests/support/webhook_receiver.py`,
//! which verifies every delivery with the official Standard Webhooks
//! library (`standardwebhooks` from PyPI, in the venv `just setup` makes).
//! No library is not a skip: the test fails and says how to get it.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

fn python() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv = root.join("target/ci-venv/bin/python");
    let ok = Command::new(&venv)
        .args(["-c", "import standardwebhooks"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "the webhook tests need the standardwebhooks library in {}: run `just setup`",
        venv.display()
    );
    venv
}

/// A running receiver; killed when dropped.
pub struct Receiver {
    child: Child,
    pub port: u16,
    lines: Arc<Mutex<Vec<Value>>>,
}

impl Receiver {
    /// Starts one on `port` (0: any), answering the first `fail_first`
    /// verified deliveries with 500; `secret` may be given now or later.
    pub fn start(port: u16, fail_first: u32, secret: Option<&str>) -> Receiver {
        Self::start_with(port, &["--fail-first", &fail_first.to_string()], secret)
    }

    /// Starts one with extra receiver arguments (`--hang-first N`).
    pub fn start_with(port: u16, args: &[&str], secret: Option<&str>) -> Receiver {
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/webhook_receiver.py");
        let mut child = Command::new(python())
            .arg(script)
            .args(["--port", &port.to_string()])
            .args(args)
            .args(secret.map(|s| ["--secret", s]).into_iter().flatten())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("starting the webhook receiver: {e}"));
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        let port: u16 = first
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the receiver said {first:?}"));
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    sink.lock().unwrap().push(v);
                }
            }
        });
        Receiver { child, port, lines }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks", self.port)
    }

    /// Gives the receiver the endpoint's secret.
    pub async fn set_secret(&self, secret: &str) {
        let res = reqwest::Client::new()
            .put(format!("http://127.0.0.1:{}/_secret", self.port))
            .body(secret.to_owned())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
    }

    /// Every delivery so far (verified or not).
    pub fn all(&self) -> Vec<Value> {
        self.lines.lock().unwrap().clone()
    }

    /// Verified deliveries so far.
    pub fn verified(&self) -> Vec<Value> {
        let all = self.all();
        let bad: Vec<&Value> = all.iter().filter(|v| v["verified"] != true).collect();
        assert!(bad.is_empty(), "deliveries the library refused: {bad:?}");
        all
    }

    /// Waits (up to `within`) until `done` holds for the verified
    /// deliveries; returns them.
    pub async fn wait_for(&self, within: Duration, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.verified();
            if done(&got) {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "after {within:?} the receiver had: {got:#?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Verified deliveries of event `kind` about key `key_id`.
pub fn of_key<'a>(got: &'a [Value], kind: &str, key_id: &str) -> Vec<&'a Value> {
    got.iter()
        .filter(|v| v["body"]["type"] == kind && v["body"]["data"]["api_key_id"] == key_id)
        .collect()
}

/// A port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
