//! The one error type of MedSync.
//!
//! Every service call and every storage port returns [`Error`]. Backends map their driver
//! errors into it (a unique or exclusion violation becomes [`Error::Conflict`], a lost
//! compare-and-set becomes [`Error::PreconditionFailed`]); the enum never wraps a driver type,
//! only an opaque boxed source in [`Error::Backend`].

use std::fmt;

/// Result alias used throughout MedSync.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One invalid field of a request: which field and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldError {
    /// The field's name as the caller spelled it (`"email"`, `"weekly[2].end"`).
    pub field: String,
    /// A human-readable reason, safe to show to the caller.
    pub message: String,
}

impl FieldError {
    /// A field error for `field` with `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Everything that can go wrong in MedSync, by meaning rather than by cause.
///
/// Messages never contain secrets (passwords, tokens, hashes).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The resource does not exist, or the actor may not learn that it exists.
    #[error("{entity} not found")]
    NotFound {
        /// The kind of thing looked up (`"appointment"`, `"user"`).
        entity: &'static str,
        /// Its id or key, when it is safe to echo.
        id: Option<String>,
    },
    /// The write would break a uniqueness or non-overlap invariant.
    #[error("conflict: {message}")]
    Conflict {
        /// What conflicts, e.g. `"doctor is booked"`.
        message: String,
        /// The id of the existing thing that blocks the write, when there is one.
        blocking: Option<String>,
    },
    /// A compare-and-set lost: the caller's version is stale.
    #[error("precondition failed: {entity} is at version {current}, not {expected}")]
    PreconditionFailed {
        /// The kind of thing updated.
        entity: &'static str,
        /// The version the caller read.
        expected: u64,
        /// The version stored now.
        current: u64,
    },
    /// The request is understood but the state machine does not allow it
    /// (e.g. confirming a cancelled appointment, an expired hold).
    #[error("invalid state: {0}")]
    InvalidState(String),
    /// The actor is authenticated but the policy denies the action.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// No valid credentials: bad password, expired/invalid token, inactive account.
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    /// One or more fields of the input are invalid.
    #[error("invalid input: {}", display_fields(.0))]
    InvalidInput(Vec<FieldError>),
    /// The payload is larger than allowed.
    #[error("payload too large: at most {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The payload's type (decided from its content) is not accepted.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// Too many attempts; retry after the given number of seconds.
    #[error("rate limited, retry after {retry_after_secs}s")]
    RateLimited {
        /// Seconds until a retry may succeed.
        retry_after_secs: u64,
    },
    /// The storage backend or another port failed. The source is opaque on purpose.
    #[error("backend error: {message}")]
    Backend {
        /// A message safe to log (no connection strings, no secrets).
        message: String,
        /// The underlying error, for logs only.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
}

fn display_fields(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// `InvalidInput` with a single field error.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidInput(vec![FieldError::new(field, message)])
    }

    /// `NotFound` for `entity` with an id.
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            entity,
            id: Some(id.to_string()),
        }
    }

    /// `Conflict` naming what blocks.
    pub fn conflict(message: impl Into<String>, blocking: Option<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            blocking,
        }
    }

    /// `Backend` from any error, with a safe message.
    pub fn backend(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Backend {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// The field errors of an `InvalidInput`, empty otherwise.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::InvalidInput(f) => f,
            _ => &[],
        }
    }
}

/// Collects field errors while validating a request, then turns them into one error.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    /// An empty validator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an error for `field` unless `ok`.
    pub fn check(&mut self, ok: bool, field: &str, message: &str) -> &mut Self {
        if !ok {
            self.errors.push(FieldError::new(field, message));
        }
        self
    }

    /// Records an error for `field`.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) -> &mut Self {
        self.errors.push(FieldError::new(field, message));
        self
    }

    /// `Ok(())` when nothing was recorded, `Err(InvalidInput)` otherwise.
    pub fn finish(&mut self) -> Result<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidInput(std::mem::take(&mut self.errors)))
        }
    }
}
