//! Typed ids (UUID v7) and their generator port.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// The underlying UUID.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = crate::Error;
            fn from_str(s: &str) -> crate::Result<Self> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| crate::Error::invalid(stringify!($name), "not a UUID"))
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    };
}

typed_id!(
    /// A login identity ([`crate::identity::User`]).
    UserId
);
typed_id!(
    /// A patient chart ([`crate::identity::Patient`]).
    PatientId
);
typed_id!(
    /// An appointment.
    AppointmentId
);
typed_id!(
    /// A stored notification.
    NotificationId
);
typed_id!(
    /// An audit log entry.
    AuditId
);
typed_id!(
    /// A caregiver delegation grant.
    GrantId
);
typed_id!(
    /// A break-glass emergency access session.
    BreakGlassId
);
typed_id!(
    /// A refresh token (one link of a rotation family).
    RefreshTokenId
);
typed_id!(
    /// A refresh-token family: every token rotated from one login.
    TokenFamilyId
);

/// Source of fresh UUIDs. Injected so tests can make ids deterministic.
pub trait IdGen: Send + Sync + 'static {
    /// A new, unique UUID. Implementations should return time-ordered v7 UUIDs.
    fn uuid(&self, now: DateTime<Utc>) -> Uuid;
}

/// Production id generator: UUID v7 stamped with the injected clock's time.
#[derive(Debug, Default, Clone, Copy)]
pub struct V7Ids;

impl IdGen for V7Ids {
    fn uuid(&self, now: DateTime<Utc>) -> Uuid {
        let secs = now.timestamp().max(0) as u64;
        let nanos = now.timestamp_subsec_nanos();
        Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, nanos))
    }
}

typed_id!(
    /// A medical record (all its versions share it).
    RecordId
);
typed_id!(
    /// A note appended to a medical record.
    NoteId
);
typed_id!(
    /// A prescription.
    PrescriptionId
);
typed_id!(
    /// An invoice.
    InvoiceId
);
typed_id!(
    /// An uploaded file (e.g. a medical report).
    FileId
);
