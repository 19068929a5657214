//! End-to-end tests of the HTTP API: the real router on a free port over the in-memory
//! backend, driven with reqwest and a WebSocket client. One test binary (faster to build);
//! each area is a module under `tests/api/`.

mod support;

mod concurrency;
mod docs_and_metrics;
mod journey;
mod protocol;
mod rate_limit;
mod security;
mod websocket;
