//! # medsync-storage-mongo
//!
//! A MongoDB backend for MedSync on the official `mongodb` driver. [`MongoStore`] implements
//! every storage port of [`medsync_core::store`]; [`MongoNotifier`] carries notifications
//! across server processes through a change stream.
//!
//! It needs MongoDB 6.0 or later (the relationship reads use the `$documents` stage, 5.1+;
//! 6.0 is the first long-term release with it) running as a replica set (a single node is
//! enough): every conditional write is one multi-document transaction, and the invariants
//! are enforced by the server:
//!
//! - uniqueness by unique indexes (email, MRN, idempotency key per booker, record version,
//!   one invoice per appointment, token hashes); a duplicate key becomes
//!   [`medsync_core::Error::Conflict`] named after the index;
//! - no double booking: a booking or a move writes a per-doctor and a per-patient calendar
//!   lock document inside its transaction, so two transactions touching one calendar
//!   write-conflict and cannot both commit; the loser retries and then sees the winner;
//! - compare-and-set: updates match `{_id, version: expected}`;
//! - single-document rules by collection validators, which refuse from any writer what
//!   PostgreSQL's CHECK constraints refuse: an appointment that ends before it starts, lasts
//!   over 24 hours, has a buffer outside 0–240 minutes or a stored `block_end` other than
//!   `end + buffer` (the collision queries rely on both); unknown enum values (role, status,
//!   sex, kind, outcome, change type); versions below 1; negative amounts, sizes and
//!   minutes; currencies other than three upper-case letters; a pending appointment without
//!   a hold expiry; incomplete cancellations; audit entries with a bad seq, chain or hash;
//!   malformed notification kinds, record content and file digests; blank break-glass
//!   reasons ([`medsync_core::Error::InvalidInput`]). Older documents are not rejected
//!   retroactively. Setting a validator needs the `collMod` privilege (e.g. the `dbAdmin`
//!   role; `readWrite` lacks it): without it the store logs a warning per collection and
//!   still starts, checking every rule itself before it writes;
//! - audit: every change appends its audit entry in the same transaction, hash-chained over
//!   up to [`AUDIT_CHAINS`] independent chains; concurrent transactions through one handle
//!   append to different chain heads, so unrelated writes never queue on one global lock.
//!
//! Filters are built with `doc!` from typed values only: no caller-supplied text is ever
//! parsed as a query, so operator injection (`{"$gt": ""}`) is impossible, and search strings
//! are matched literally.
//!
//! Times are stored as BSON dates (millisecond precision; the service already truncates
//! to milliseconds), ids as BSON binary UUIDs (subtype 4), versions as 64-bit integers.
//! Free-form JSON (record content, notification data) is stored as JSON text.
//!
//! Uploaded files ([`medsync_core::store::FileStore`]): bytes in the GridFS bucket
//! [`FILES_BUCKET`] (`medical_files`; each GridFS file's id is the file's id as a BSON binary
//! UUID), metadata in `files`. GridFS writes cannot join a transaction, so the bytes are
//! written first, under a claim on the id in `file_uploads`, and the metadata then commits
//! with its audit entry in one transaction; a failed upload's bytes are deleted again, best
//! effort. Deleting a file only sets `deleted_at`: bytes and metadata are retained.
//!
//! Collections: `users`, `patients`, `refresh_tokens`, `reset_tokens`, `availability`,
//! `appointments`, `calendar_locks`, `care_team`, `grants`, `break_glass`, `audit_log`,
//! `audit_heads`, `notifications`, `records`, `record_versions`, `record_notes`,
//! `prescriptions`, `fees`, `invoices`, `files`, `file_uploads`, `medical_files.files`,
//! `medical_files.chunks`.
//!
//! ```no_run
//! # async fn demo() -> medsync_core::Result<()> {
//! use std::sync::Arc;
//! use medsync_storage_mongo::MongoStore;
//!
//! let store = MongoStore::connect("mongodb://127.0.0.1:27017/?replicaSet=rs0", "medsync").await?;
//! let store: Arc<dyn medsync_core::store::Store> = Arc::new(store);
//! # Ok(()) }
//! ```

mod access;
mod analytics;
mod audit;
mod billing;
mod booking_facts;
mod calendar;
mod cas;
mod chains;
mod convert;
mod error;
mod files;
mod model;
mod notifications;
mod notifier;
mod patients;
mod prescriptions;
mod records;
mod relationships;
mod schedule;
mod schema;
mod store;
#[doc(hidden)]
pub mod testing;
mod tokens;
mod txn;
mod users;
mod validators;

pub use notifier::{MongoNotifier, NotificationStream};
pub use schema::{AUDIT_CHAINS, FILES_BUCKET};
pub use store::MongoStore;
