//! Request metrics in the Prometheus text format (`GET /metrics`).
//!
//! Series (labels use the route *template*, e.g. `/api/appointments/{id}`, never raw paths):
//! - `medsync_http_requests_total{method,route,status}` — counter;
//! - `medsync_http_request_errors_total{method,route,class}` — counter of 4xx (`client`) and
//!   5xx (`server`) answers;
//! - `medsync_http_request_duration_seconds{method,route}` — histogram;
//! - `medsync_http_requests_in_flight` — gauge.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The label for requests that matched no route.
const UNMATCHED: &str = "unmatched";

/// The metrics registry of one router.
#[derive(Debug, Default)]
pub struct Metrics {
    in_flight: AtomicI64,
    inner: Mutex<Registry>,
}

#[derive(Debug, Default)]
struct Registry {
    requests: BTreeMap<(String, String, u16), u64>,
    errors: BTreeMap<(String, String, &'static str), u64>,
    latency: BTreeMap<(String, String), Histogram>,
}

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Metrics {
    /// Records one finished request.
    pub fn record(&self, method: &Method, route: &str, status: u16, seconds: f64) {
        let method = method_label(method).to_owned();
        let route = route.to_owned();
        let mut r = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *r.requests
            .entry((method.clone(), route.clone(), status))
            .or_default() += 1;
        let class = match status {
            400..=499 => Some("client"),
            500..=599 => Some("server"),
            _ => None,
        };
        if let Some(class) = class {
            *r.errors
                .entry((method.clone(), route.clone(), class))
                .or_default() += 1;
        }
        let h = r.latency.entry((method, route)).or_default();
        for (i, le) in BUCKETS.iter().enumerate() {
            if seconds <= *le {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// Everything recorded, in the Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let r = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        out.push_str("# HELP medsync_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE medsync_http_requests_total counter\n");
        for ((m, route, status), n) in &r.requests {
            let _ = writeln!(
                out,
                "medsync_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        out.push_str("# HELP medsync_http_request_errors_total HTTP requests answered with 4xx (client) or 5xx (server).\n");
        out.push_str("# TYPE medsync_http_request_errors_total counter\n");
        for ((m, route, class), n) in &r.errors {
            let _ = writeln!(
                out,
                "medsync_http_request_errors_total{{method=\"{m}\",route=\"{}\",class=\"{class}\"}} {n}",
                escape(route)
            );
        }
        out.push_str(
            "# HELP medsync_http_request_duration_seconds Time to answer HTTP requests.\n",
        );
        out.push_str("# TYPE medsync_http_request_duration_seconds histogram\n");
        for ((m, route), h) in &r.latency {
            let route = escape(route);
            let labels = format!("method=\"{m}\",route=\"{route}\"");
            for (le, n) in BUCKETS.iter().zip(h.counts.iter()) {
                let _ = writeln!(
                    out,
                    "medsync_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "medsync_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "medsync_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "medsync_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
        out.push_str("# HELP medsync_http_requests_in_flight HTTP requests being answered.\n");
        out.push_str("# TYPE medsync_http_requests_in_flight gauge\n");
        let _ = writeln!(
            out,
            "medsync_http_requests_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        out
    }
}

/// A bounded set of method labels (anything else is `OTHER`).
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Escapes a label value (`\`, `"` and newlines).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Counts a request in flight until dropped (also when the handler panics or the client
/// goes away and the future is dropped).
struct InFlight<'a>(&'a AtomicI64);

impl<'a> InFlight<'a> {
    fn enter(gauge: &'a AtomicI64) -> Self {
        gauge.fetch_add(1, Ordering::Relaxed);
        Self(gauge)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Middleware: times and counts every request by method, route template and status.
pub(crate) async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let method = req.method().clone();
    let metrics = &state.metrics;
    let in_flight = InFlight::enter(&metrics.in_flight);
    let started = Instant::now();
    let res = next.run(req).await;
    drop(in_flight);
    metrics.record(
        &method,
        &route,
        res.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_errors_and_histograms() {
        let m = Metrics::default();
        m.record(&Method::GET, "/api/patients/{id}", 200, 0.003);
        m.record(&Method::GET, "/api/patients/{id}", 404, 0.2);
        m.record(
            &Method::from_bytes(b"BREW").unwrap(),
            "unmatched",
            500,
            20.0,
        );
        let text = m.render();
        assert!(text.contains(
            "medsync_http_requests_total{method=\"GET\",route=\"/api/patients/{id}\",status=\"200\"} 1"
        ));
        assert!(text.contains(
            "medsync_http_request_errors_total{method=\"GET\",route=\"/api/patients/{id}\",class=\"client\"} 1"
        ));
        assert!(text.contains(
            "medsync_http_request_errors_total{method=\"OTHER\",route=\"unmatched\",class=\"server\"} 1"
        ));
        assert!(text.contains(
            "medsync_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/patients/{id}\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "medsync_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/patients/{id}\",le=\"0.25\"} 2"
        ));
        assert!(text.contains(
            "medsync_http_request_duration_seconds_count{method=\"GET\",route=\"/api/patients/{id}\"} 2"
        ));
        assert!(text.contains("medsync_http_requests_in_flight 0"));
    }

    #[test]
    fn escapes_label_values() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
