//! End-to-end tests of the HTTP API: the real router on a free port over the in-memory
//! backend, driven with reqwest and a WebSocket client. One test binary (faster to build);
//! each area is a module under `tests/api/`.

mod clinic;
mod support;

mod access;
mod analytics;
mod billing;
mod concurrency;
mod docs_and_metrics;
mod emr;
mod journey;
mod prescriptions;
mod protocol;
mod rate_limit;
mod security;
mod uploads;
mod websocket;
