//! Mapping database errors into [`medsync_core::Error`].
//!
//! A violation of one of the schema's named constraints becomes the semantic error
//! [`crate::constraints`] assigns it. Anything else becomes `Backend` with a message that names
//! the operation and the SQLSTATE, never SQL text or a connection string; the driver error is
//! kept as the opaque source, for logs.

use medsync_core::Error;

use crate::constraints::meaning;

/// The name of the constraint a database error violated, if any.
pub(crate) fn violated_constraint(err: &sqlx::Error) -> Option<&str> {
    err.as_database_error().and_then(|e| e.constraint())
}

/// The SQLSTATE of a database error.
pub(crate) fn sqlstate(err: &sqlx::Error) -> Option<String> {
    err.as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned())
}

/// Maps a driver error raised while trying to `what` (e.g. "book an appointment").
pub(crate) fn map(err: sqlx::Error, what: &str) -> Error {
    if let Some(m) = violated_constraint(&err).and_then(meaning) {
        return m.to_error();
    }
    let message = match (&err, violated_constraint(&err), sqlstate(&err)) {
        (_, Some(name), _) => format!("could not {what}: constraint {name} violated"),
        (_, None, Some(code)) => format!("could not {what}: database error {code}"),
        (sqlx::Error::PoolTimedOut, ..) => {
            format!("could not {what}: no database connection available in time")
        }
        (sqlx::Error::Io(_) | sqlx::Error::Tls(_), ..) => {
            format!("could not {what}: database connection failed")
        }
        (sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_), ..) => {
            format!("could not {what}: a stored value could not be decoded")
        }
        _ => format!("could not {what}: database error"),
    };
    Error::Backend {
        message,
        source: Some(Box::new(err)),
    }
}

/// `Backend` for stored data that does not decode into the domain type.
pub(crate) fn corrupt(what: &str, source: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::backend(format!("stored {what} could not be decoded"), source)
}

/// `Result<T, sqlx::Error>` → `Result<T, Error>`, naming the operation.
pub(crate) trait DbResultExt<T> {
    /// Maps the error with [`map`].
    fn db(self, what: &str) -> medsync_core::Result<T>;
}

impl<T> DbResultExt<T> for Result<T, sqlx::Error> {
    fn db(self, what: &str) -> medsync_core::Result<T> {
        self.map_err(|e| map(e, what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_errors_are_backend_errors_without_details() {
        let e = map(sqlx::Error::PoolTimedOut, "book an appointment");
        match e {
            Error::Backend { message, source } => {
                assert!(message.contains("book an appointment"), "{message}");
                assert!(source.is_some());
            }
            other => panic!("{other:?}"),
        }
    }
}
