//! Classifying driver errors and mapping them into [`medsync_core::Error`].
//!
//! The domain error never carries a driver type: a duplicate key becomes `Conflict` with a
//! message chosen by the violated index; anything else becomes `Backend` whose source is an
//! opaque [`DriverError`] holding only the error's category, code and labels, never the
//! server's message (which may echo document values such as an email).

use std::fmt;

use medsync_core::Error;
use mongodb::error::{ErrorKind, WriteFailure};

use crate::schema;

/// Server error code of a duplicate key.
const DUPLICATE_KEY: i32 = 11000;
/// Legacy duplicate-key code some server paths still report.
const DUPLICATE_KEY_LEGACY: i32 = 11001;
/// Server error code of a write conflict between transactions.
const WRITE_CONFLICT: i32 = 112;
/// Server error code of a document refused by its collection's validator.
const DOCUMENT_VALIDATION_FAILURE: i32 = 121;

/// What a driver error was, without anything the server echoed back.
#[derive(Debug)]
pub(crate) struct DriverError(String);

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DriverError {}

impl DriverError {
    /// A summary of `e`: its category, server code and name, and labels.
    fn of(e: &mongodb::error::Error) -> Self {
        let category = match e.kind.as_ref() {
            ErrorKind::Command(_) => "command error",
            ErrorKind::Write(WriteFailure::WriteError(_)) => "write error",
            ErrorKind::Write(WriteFailure::WriteConcernError(_)) => "write concern error",
            ErrorKind::InsertMany(_) => "insert error",
            ErrorKind::Io(_) => "i/o error",
            ErrorKind::ConnectionPoolCleared { .. } => "connection pool cleared",
            ErrorKind::ServerSelection { .. } => "no suitable server (is the replica set up?)",
            ErrorKind::Authentication { .. } => "authentication failed",
            ErrorKind::InvalidArgument { .. } => "invalid argument",
            ErrorKind::BsonSerialization(_) => "bson serialisation error",
            ErrorKind::BsonDeserialization(_) => "bson deserialisation error",
            ErrorKind::Transaction { .. } => "transaction error",
            ErrorKind::IncompatibleServer { .. } => "incompatible server",
            ErrorKind::GridFs(_) => "gridfs error",
            ErrorKind::Shutdown => "client shut down",
            _ => "driver error",
        };
        let mut text = category.to_owned();
        if let Some((code, name)) = code_of(e) {
            text.push_str(&format!(" {code}"));
            if !name.is_empty() {
                text.push_str(&format!(" ({name})"));
            }
        }
        let mut labels: Vec<&String> = e.labels().iter().collect();
        labels.sort();
        if !labels.is_empty() {
            let labels: Vec<&str> = labels.into_iter().map(String::as_str).collect();
            text.push_str(&format!(" [{}]", labels.join(", ")));
        }
        Self(text)
    }
}

/// The server code and code name of `e`, if the server answered with one.
fn code_of(e: &mongodb::error::Error) -> Option<(i32, String)> {
    match e.kind.as_ref() {
        ErrorKind::Command(c) => Some((c.code, c.code_name.clone())),
        ErrorKind::Write(WriteFailure::WriteError(w)) => {
            Some((w.code, w.code_name.clone().unwrap_or_default()))
        }
        ErrorKind::Write(WriteFailure::WriteConcernError(w)) => Some((w.code, w.code_name.clone())),
        ErrorKind::InsertMany(m) => m
            .write_errors
            .as_ref()
            .and_then(|errs| errs.first())
            .map(|w| (w.code, w.code_name.clone().unwrap_or_default()))
            .or_else(|| {
                m.write_concern_error
                    .as_ref()
                    .map(|w| (w.code, w.code_name.clone()))
            }),
        _ => None,
    }
}

/// The server's message of a write or command error (only ever parsed, never surfaced).
fn server_message(e: &mongodb::error::Error) -> Option<&str> {
    match e.kind.as_ref() {
        ErrorKind::Command(c) => Some(&c.message),
        ErrorKind::Write(WriteFailure::WriteError(w)) => Some(&w.message),
        ErrorKind::InsertMany(m) => m
            .write_errors
            .as_ref()
            .and_then(|errs| errs.first())
            .map(|w| w.message.as_str()),
        _ => None,
    }
}

/// The server error code of `e`, if any.
pub(crate) fn code(e: &mongodb::error::Error) -> Option<i32> {
    code_of(e).map(|(c, _)| c)
}

/// Whether `e` is a duplicate-key violation of a unique index.
pub(crate) fn is_duplicate_key(e: &mongodb::error::Error) -> bool {
    matches!(code(e), Some(DUPLICATE_KEY | DUPLICATE_KEY_LEGACY))
}

/// `(collection, index)` named by a duplicate-key message
/// (`E11000 duplicate key error collection: db.users index: users_email_unique dup key: …`).
pub(crate) fn duplicate_index(e: &mongodb::error::Error) -> Option<(String, String)> {
    if !is_duplicate_key(e) {
        return None;
    }
    let msg = server_message(e)?;
    let word_after = |marker: &str| {
        msg.find(marker).map(|at| {
            msg[at + marker.len()..]
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned()
        })
    };
    let collection = word_after("collection: ")
        .map(|ns| {
            ns.rsplit_once('.')
                .map_or(ns.clone(), |(_, c)| c.to_owned())
        })
        .unwrap_or_default();
    let index = word_after("index: ").unwrap_or_default();
    Some((collection, index))
}

/// Whether the whole transaction may be retried: a `TransientTransactionError` (write
/// conflict, lost primary, network error inside a transaction) or a bare write conflict.
pub(crate) fn is_transient(e: &mongodb::error::Error) -> bool {
    e.contains_label(mongodb::error::TRANSIENT_TRANSACTION_ERROR) || code(e) == Some(WRITE_CONFLICT)
}

/// Whether a commit's outcome is unknown and the commit itself may be retried.
pub(crate) fn is_unknown_commit(e: &mongodb::error::Error) -> bool {
    e.contains_label(mongodb::error::UNKNOWN_TRANSACTION_COMMIT_RESULT)
}

/// `Backend` with a safe message and the opaque summary of `e` as its source.
pub(crate) fn backend(e: &mongodb::error::Error, what: &str) -> Error {
    let source = DriverError::of(e);
    tracing::debug!(error = %source, "mongodb {what} failed");
    Error::backend(format!("mongodb {what} failed"), source)
}

/// Maps an I/O error of a GridFS stream: the driver error it wraps as [`map`] does, anything
/// else `Backend` with only the I/O error's kind as its source.
pub(crate) fn map_io(e: std::io::Error, what: &str) -> Error {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<mongodb::error::Error>())
    {
        Some(driver) => map(driver.clone(), what),
        None => {
            let source = DriverError(format!("i/o error ({:?})", e.kind()));
            tracing::debug!(error = %source, "mongodb {what} failed");
            Error::backend(format!("mongodb {what} failed"), source)
        }
    }
}

/// Maps a driver error: duplicate keys become `Conflict` (named after the index), a
/// document refused by its collection's validator ([`crate::validators`]) `InvalidInput`,
/// anything else `Backend`.
pub(crate) fn map(e: mongodb::error::Error, what: &str) -> Error {
    if code(&e) == Some(DOCUMENT_VALIDATION_FAILURE) {
        // The store checks every rule before it writes, so this is a store and a validator
        // disagreeing: worth a line in the log (the summary holds no document values).
        tracing::warn!(error = %DriverError::of(&e), "mongodb {what}: a collection validator refused the document");
        return Error::invalid(
            "document",
            format!("refused by the collection's validator ({what})"),
        );
    }
    match duplicate_index(&e) {
        Some((collection, index)) => {
            Error::conflict(schema::duplicate_message(&collection, &index), None)
        }
        None => backend(&e, what),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_error_summary_never_includes_the_server_message() {
        let e = mongodb::error::Error::custom("secret@example.org");
        let text = DriverError::of(&e).to_string();
        assert!(!text.contains("secret"), "{text}");
        let mapped = map(e, "insert");
        assert!(matches!(mapped, Error::Backend { .. }));
        assert_eq!(mapped.to_string(), "backend error: mongodb insert failed");
    }
}
