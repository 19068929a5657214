//! Integration tests of the MongoDB backend against a real replica set (`MONGODB_URL`, or the
//! one `scripts/test` starts). One test binary, one module per area: each extra binary would
//! link the whole driver again (slow, and hundreds of megabytes of disk in CI).

mod support;

mod audit;
mod concurrency;
mod conformance;
mod files;
mod injection;
mod invariants;
mod notifier;
mod validators;
