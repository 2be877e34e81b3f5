//! Prometheus metrics at `/metrics`, in the text exposition format.
//!
//! Kept deliberately small and dependency-free: counters and one latency
//! histogram in this process's memory (each replica reports its own; the
//! scraper adds them up). Labels are bounded: routes are the registered
//! patterns (`/api/v1/api-keys/{id}`), never raw paths, so an attacker
//! cannot blow up the series count.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use llavero_types::VerifyCode;

use crate::verification::usage::FlushStats;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// One route pattern's answers: counts by (method, status), and latency.
#[derive(Debug, Default)]
struct RouteStats {
    answers: BTreeMap<(&'static str, u16), u64>,
    latency: Histogram,
}

/// The process's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    /// By route pattern; one lock, and no allocation once a route is known.
    routes: Mutex<BTreeMap<String, RouteStats>>,
    verify: Mutex<BTreeMap<&'static str, u64>>,
    forward_auth: Mutex<BTreeMap<&'static str, u64>>,
    keys_created: AtomicU64,
    keys_revoked: AtomicU64,
    /// Webhook attempts by outcome (`delivered`, `retry`, `failed`).
    webhook_attempts: Mutex<BTreeMap<&'static str, u64>>,
}

impl Metrics {
    /// Counts one answered request. Methods outside HTTP's standard set are
    /// counted as `OTHER`, so clients cannot mint label values.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let Ok(mut routes) = self.routes.lock() else {
            return;
        };
        let stats = match routes.get_mut(route) {
            Some(stats) => stats,
            None => routes.entry(route.to_owned()).or_default(),
        };
        *stats
            .answers
            .entry((method_label(method), status))
            .or_default() += 1;
        let h = &mut stats.latency;
        let secs = elapsed.as_secs_f64();
        for (slot, bound) in h.counts.iter_mut().zip(BUCKETS) {
            if secs <= bound {
                *slot += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    /// Counts one `/verify` verdict.
    pub fn observe_verify(&self, code: VerifyCode) {
        if let Ok(mut map) = self.verify.lock() {
            *map.entry(code.as_str()).or_default() += 1;
        }
    }

    /// Counts one forward-auth answer: `allowed`, or the refusal's code.
    pub fn observe_forward_auth(&self, outcome: &'static str) {
        if let Ok(mut map) = self.forward_auth.lock() {
            *map.entry(outcome).or_default() += 1;
        }
    }

    pub fn key_created(&self) {
        self.keys_created.fetch_add(1, Ordering::Relaxed);
    }

    pub fn key_revoked(&self) {
        self.keys_revoked.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition text, with the database pool's `(size, idle)`, the
    /// verifier's cached entries and the keys it has looked up.
    /// Counts one webhook attempt by its outcome.
    pub fn webhook_attempt(&self, outcome: &'static str) {
        if let Ok(mut map) = self.webhook_attempts.lock() {
            *map.entry(outcome).or_default() += 1;
        }
    }

    pub fn render(
        &self,
        pool: Option<(u32, u32)>,
        cached_keys: usize,
        looked_up: u64,
        usage: &FlushStats,
    ) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP llavero_http_requests_total HTTP requests answered, by method, route pattern and status.\n");
        out.push_str("# TYPE llavero_http_requests_total counter\n");
        if let Ok(map) = self.routes.lock() {
            for (route, stats) in map.iter() {
                let route = escape(route);
                for ((method, status), n) in &stats.answers {
                    let _ = writeln!(
                        out,
                        "llavero_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
                    );
                }
            }
        }
        out.push_str("# HELP llavero_http_request_duration_seconds Time to answer a request, by route pattern.\n");
        out.push_str("# TYPE llavero_http_request_duration_seconds histogram\n");
        if let Ok(map) = self.routes.lock() {
            for (route, stats) in map.iter() {
                let h = &stats.latency;
                let route = escape(route);
                for (bound, n) in BUCKETS.iter().zip(h.counts) {
                    let _ = writeln!(out, "llavero_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}");
                }
                let _ = writeln!(out, "llavero_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}", h.count);
                let _ = writeln!(
                    out,
                    "llavero_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "llavero_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.count
                );
            }
        }
        out.push_str("# HELP llavero_verify_total Key verifications, by outcome code.\n");
        out.push_str("# TYPE llavero_verify_total counter\n");
        if let Ok(map) = self.verify.lock() {
            for (code, n) in map.iter() {
                let _ = writeln!(out, "llavero_verify_total{{code=\"{code}\"}} {n}");
            }
        }
        out.push_str("# HELP llavero_forward_auth_total Gateway forward-auth answers, by outcome (`allowed` or the refusal's code).\n");
        out.push_str("# TYPE llavero_forward_auth_total counter\n");
        if let Ok(map) = self.forward_auth.lock() {
            for (outcome, n) in map.iter() {
                let _ = writeln!(
                    out,
                    "llavero_forward_auth_total{{outcome=\"{outcome}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP llavero_webhook_attempts_total Webhook delivery attempts this process made, by outcome (`delivered`, `retry`: no 2xx and tried again, `failed`: no 2xx within 24 hours).\n");
        out.push_str("# TYPE llavero_webhook_attempts_total counter\n");
        if let Ok(map) = self.webhook_attempts.lock() {
            for (outcome, n) in map.iter() {
                let _ = writeln!(
                    out,
                    "llavero_webhook_attempts_total{{outcome=\"{outcome}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP llavero_api_keys_created_total API keys generated by this process.\n");
        out.push_str("# TYPE llavero_api_keys_created_total counter\n");
        let _ = writeln!(
            out,
            "llavero_api_keys_created_total {}",
            self.keys_created.load(Ordering::Relaxed)
        );
        out.push_str("# HELP llavero_api_keys_revoked_total API keys revoked by this process.\n");
        out.push_str("# TYPE llavero_api_keys_revoked_total counter\n");
        let _ = writeln!(
            out,
            "llavero_api_keys_revoked_total {}",
            self.keys_revoked.load(Ordering::Relaxed)
        );
        out.push_str("# HELP llavero_key_cache_entries Key lookups held by this process's verification cache.\n");
        out.push_str("# TYPE llavero_key_cache_entries gauge\n");
        let _ = writeln!(out, "llavero_key_cache_entries {cached_keys}");
        out.push_str("# HELP llavero_key_lookups_total Presented keys looked up in the database (cache misses).\n");
        out.push_str("# TYPE llavero_key_lookups_total counter\n");
        let _ = writeln!(out, "llavero_key_lookups_total {looked_up}");
        for (name, help, value) in [
            (
                "llavero_usage_flushes_total",
                "Usage flushes written (one transaction each).",
                &usage.flushes,
            ),
            (
                "llavero_usage_flush_failures_total",
                "Usage flushes that failed and were kept for the next.",
                &usage.failures,
            ),
            (
                "llavero_usage_flush_rows_total",
                "Rows the usage flushes wrote (last uses, days, addresses).",
                &usage.rows,
            ),
            (
                "llavero_usage_flush_microseconds_total",
                "Time spent writing usage flushes.",
                &usage.micros,
            ),
            (
                "llavero_usage_new_addresses_total",
                "Addresses keys were first used from (key_new_address events).",
                &usage.new_addresses,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
        if let Some((size, idle)) = pool {
            out.push_str(
                "# HELP llavero_db_pool_connections Database pool connections, by state.\n",
            );
            out.push_str("# TYPE llavero_db_pool_connections gauge\n");
            let _ = writeln!(out, "llavero_db_pool_connections{{state=\"idle\"}} {idle}");
            let _ = writeln!(
                out,
                "llavero_db_pool_connections{{state=\"in_use\"}} {}",
                size.saturating_sub(idle)
            );
        }
        out
    }
}

fn method_label(method: &str) -> &'static str {
    const STANDARD: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ];
    STANDARD
        .into_iter()
        .find(|m| *m == method)
        .unwrap_or("OTHER")
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.observe_request("GET", "/api/v1/me", 200, Duration::from_millis(3));
        m.observe_request("GET", "/api/v1/me", 401, Duration::from_millis(30));
        m.observe_verify(VerifyCode::Revoked);
        m.key_created();
        let text = m.render(Some((4, 3)), 7, 0, &FlushStats::default());
        assert!(text.contains("llavero_key_cache_entries 7"));
        assert!(text.contains(
            "llavero_http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"401\"} 1"
        ));
        assert!(text.contains(
            "llavero_http_request_duration_seconds_bucket{route=\"/api/v1/me\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "llavero_http_request_duration_seconds_bucket{route=\"/api/v1/me\",le=\"0.05\"} 2"
        ));
        assert!(
            text.contains("llavero_http_request_duration_seconds_count{route=\"/api/v1/me\"} 2")
        );
        assert!(text.contains("llavero_verify_total{code=\"REVOKED\"} 1"));
        m.observe_request("BREW", "(unmatched)", 405, Duration::from_millis(1));
        assert!(m.render(None, 0, 0, &FlushStats::default()).contains(
            "llavero_http_requests_total{method=\"OTHER\",route=\"(unmatched)\",status=\"405\"} 1"
        ));
        assert!(text.contains("llavero_api_keys_created_total 1"));
        assert!(text.contains("llavero_db_pool_connections{state=\"in_use\"} 1"));
    }
}
