//! End-to-end tests of the HTTP API: the real router on a free port, driven with reqwest and
//! a WebSocket client, over the in-memory backend (and, in `databases`, over PostgreSQL and
//! MongoDB). One test binary (faster to build, less disk); each area is a module here.

mod clinic;
mod support;

mod access;
mod analytics;
mod billing;
mod concurrency;
mod databases;
mod docs_and_metrics;
mod emr;
mod journey;
mod prescriptions;
mod protocol;
mod rate_limit;
mod security;
mod uploads;
mod websocket;
