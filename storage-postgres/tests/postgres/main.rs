//! Integration tests of the PostgreSQL backend against a real server (`DATABASE_URL`, or the
//! one `scripts/test` starts). One test binary, one module per area: each extra binary would
//! link sqlx and the whole stack again (slow, and hundreds of megabytes of disk in CI).

#[macro_use]
mod common;

mod audit;
mod concurrency;
mod conformance;
mod explain;
mod files;
mod notifier;
mod pool;
mod records;
mod store;
