//! The shared conformance suites run against the in-memory backend (one test binary).

mod conformance;
mod files;
