//! Prometheus metrics in the text exposition format, written by hand (a handful of
//! counters and two histograms need no crate): requests by route and status, request
//! latency, rows per request, the prediction log's queue depth, rows written, rows
//! dropped (only while the log writer is failing: the queue itself applies
//! back-pressure) and whether the writer is healthy, and the model load time.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

const LATENCY_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];
const ROW_BUCKETS: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 64.0, 256.0, 1024.0, 4096.0];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, buckets: &[f64], value: f64) {
        if self.counts.is_empty() {
            self.counts = vec![0; buckets.len()];
        }
        for (count, bound) in self.counts.iter_mut().zip(buckets) {
            if value <= *bound {
                *count += 1;
            }
        }
        self.sum += value;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str, buckets: &[f64]) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, bound) in buckets.iter().enumerate() {
            let c = self.counts.get(i).copied().unwrap_or(0);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {c}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

#[derive(Debug, Default)]
struct Inner {
    /// Requests by route, then status.
    requests: BTreeMap<String, BTreeMap<u16, u64>>,
    latency: BTreeMap<String, Histogram>,
    rows: Histogram,
}

/// The server's metrics; cheap to update from handlers.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
    pub model_load_seconds: f64,
}

/// Values read at scrape time from elsewhere.
pub struct Gauges {
    pub log_queue_depth: usize,
    pub log_queue_capacity: usize,
    pub log_rows_written: u64,
    pub log_rows_dropped: u64,
    pub log_writer_healthy: bool,
}

impl Metrics {
    pub fn new(model_load_seconds: f64) -> Self {
        Self {
            inner: Mutex::default(),
            model_load_seconds,
        }
    }

    pub fn record_request(&self, route: &str, status: u16, seconds: f64) {
        // A route is named once, on its first request: every later one is counted
        // without an allocation (issue 19: per-request costs).
        if let Ok(mut inner) = self.inner.lock() {
            let inner = &mut *inner;
            if !inner.requests.contains_key(route) {
                inner.requests.insert(route.to_owned(), BTreeMap::new());
                inner.latency.insert(route.to_owned(), Histogram::default());
            }
            if let Some(statuses) = inner.requests.get_mut(route) {
                *statuses.entry(status).or_default() += 1;
            }
            if let Some(latency) = inner.latency.get_mut(route) {
                latency.observe(&LATENCY_BUCKETS, seconds);
            }
        }
    }

    pub fn record_rows(&self, rows: usize) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.rows.observe(&ROW_BUCKETS, rows as f64);
        }
    }

    /// The text exposition format (version 0.0.4).
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        let Ok(inner) = self.inner.lock() else {
            return out;
        };
        out.push_str("# HELP lockstep_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE lockstep_http_requests_total counter\n");
        for (route, statuses) in &inner.requests {
            for (status, n) in statuses {
                let _ = writeln!(
                    out,
                    "lockstep_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP lockstep_http_request_duration_seconds Request latency.\n");
        out.push_str("# TYPE lockstep_http_request_duration_seconds histogram\n");
        for (route, h) in &inner.latency {
            let labels = format!("route=\"{route}\"");
            h.render(
                &mut out,
                "lockstep_http_request_duration_seconds",
                &labels,
                &LATENCY_BUCKETS,
            );
        }
        out.push_str(
            "# HELP lockstep_rows_per_request Rows in each successful prediction request.\n",
        );
        out.push_str("# TYPE lockstep_rows_per_request histogram\n");
        inner
            .rows
            .render(&mut out, "lockstep_rows_per_request", "", &ROW_BUCKETS);
        let gauges_text = [
            (
                "lockstep_log_queue_depth",
                "gauge",
                "Request batches waiting for the prediction log writer.",
                gauges.log_queue_depth as f64,
            ),
            (
                "lockstep_log_queue_capacity",
                "gauge",
                "Capacity of the prediction log queue (batches).",
                gauges.log_queue_capacity as f64,
            ),
            (
                "lockstep_log_rows_written_total",
                "counter",
                "Rows written to the prediction log.",
                gauges.log_rows_written as f64,
            ),
            (
                "lockstep_log_dropped_rows_total",
                "counter",
                "Rows the prediction log writer could not write (a full disk; see --on-log-failure).",
                gauges.log_rows_dropped as f64,
            ),
            (
                "lockstep_log_writer_healthy",
                "gauge",
                "1 while the prediction log writer can write, 0 while it is failing.",
                f64::from(u8::from(gauges.log_writer_healthy)),
            ),
            (
                "lockstep_model_load_seconds",
                "gauge",
                "Time to load the pipeline and model and warm up.",
                self.model_load_seconds,
            ),
        ];
        for (name, kind, help, value) in gauges_text {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        out
    }
}
