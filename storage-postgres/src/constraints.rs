//! Every named constraint of the schema and what its violation means to a caller.
//!
//! A unique, exclusion or primary-key violation is a `Conflict`, a foreign-key violation a
//! `NotFound` (the row it points at is missing), a check violation an `InvalidInput` naming
//! the field. A test checks this table against the live schema in both directions.

use medsync_core::Error;

/// What a violated constraint means to a caller.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Meaning {
    /// A uniqueness or non-overlap invariant: `Conflict` with this message.
    Conflict(&'static str),
    /// A reference to a missing row: `NotFound` of this entity.
    Missing(&'static str),
    /// A value the schema refuses: `InvalidInput` on (field, reason).
    Invalid(&'static str, &'static str),
}

use Meaning::{Conflict, Invalid, Missing};

/// Every named constraint (and unique index) of the schema and what its violation means.
#[rustfmt::skip]
pub(crate) const CONSTRAINTS: &[(&str, Meaning)] = &[
    // users
    ("users_pkey", Conflict("user id already exists")),
    ("users_email_key", Conflict("email already registered")),
    ("users_patient_id_fkey", Missing("patient")),
    ("users_role_check", Invalid("role", "is not a known role")),
    ("users_status_check", Invalid("status", "is not a known status")),
    ("users_version_check", Invalid("version", "must be at least 1")),
    // patients
    ("patients_pkey", Conflict("patient id already exists")),
    ("patients_mrn_key", Conflict("medical record number already in use")),
    ("patients_user_id_fkey", Missing("user")),
    ("patients_sex_check", Invalid("sex", "is not a known value")),
    ("patients_version_check", Invalid("version", "must be at least 1")),
    // tokens
    ("refresh_tokens_pkey", Conflict("refresh token id already exists")),
    ("refresh_tokens_token_hash_key", Conflict("refresh token already exists")),
    ("refresh_tokens_user_id_fkey", Missing("user")),
    ("password_reset_tokens_pkey", Conflict("reset token already exists")),
    ("password_reset_tokens_user_id_fkey", Missing("user")),
    // availability
    ("doctor_availability_pkey", Conflict("availability already exists")),
    ("doctor_availability_doctor_id_fkey", Missing("user")),
    ("doctor_availability_weekly_check", Invalid("weekly", "must be a list")),
    ("doctor_availability_exceptions_check", Invalid("exceptions", "must be a list")),
    ("doctor_availability_slot_check", Invalid("slot_minutes", "must be positive")),
    ("doctor_availability_buffer_check", Invalid("buffer_minutes", "must not be negative")),
    // appointments
    ("appointments_pkey", Conflict("appointment id already exists")),
    ("appointments_doctor_id_fkey", Missing("user")),
    ("appointments_patient_id_fkey", Missing("patient")),
    ("appointments_time_order", Invalid("end", "must be after start")),
    ("appointments_buffer_check", Invalid("buffer_minutes", "must not be negative")),
    ("appointments_span", Invalid("end", "an appointment lasts at most 24 hours (buffer at most 240 minutes)")),
    ("appointments_status_check", Invalid("status", "is not a known status")),
    ("appointments_pending_hold", Invalid("hold_expires_at", "a pending hold needs an expiry")),
    ("appointments_cancellation_complete", Invalid("cancellation", "is incomplete")),
    ("appointments_cancelled_by_role_check", Invalid("cancellation.by_role", "is not a known role")),
    ("appointments_version_check", Invalid("version", "must be at least 1")),
    ("appointments_idempotency_key", Conflict("idempotency key already used")),
    ("appointments_doctor_overlap", Conflict("doctor is booked at that time")),
    ("appointments_patient_overlap", Conflict("patient already has an appointment at that time")),
    // access
    ("care_team_assignments_pkey", Conflict("already on the care team")),
    ("care_team_assignments_patient_id_fkey", Missing("patient")),
    ("care_team_assignments_member_id_fkey", Missing("user")),
    ("access_grants_pkey", Conflict("grant id already exists")),
    ("access_grants_patient_id_fkey", Missing("patient")),
    ("access_grants_grantee_fkey", Missing("user")),
    ("access_grants_actions_check", Invalid("actions", "must not contain nulls")),
    ("break_glass_sessions_pkey", Conflict("break-glass session already exists")),
    ("break_glass_sessions_actor_fkey", Missing("user")),
    ("break_glass_sessions_patient_id_fkey", Missing("patient")),
    ("break_glass_sessions_reason_check", Invalid("reason", "must not be empty")),
    // audit
    ("audit_heads_pkey", Conflict("audit chain already exists")),
    ("audit_heads_chain_check", Invalid("chain", "must not be negative")),
    ("audit_heads_seq_check", Invalid("seq", "must not be negative")),
    ("audit_heads_hash_check", Invalid("hash", "must be 64 lower-case hex digits")),
    ("audit_log_pkey", Conflict("audit position already taken")),
    ("audit_log_seq_check", Invalid("seq", "must be at least 1")),
    ("audit_log_event_check", Invalid("event", "needs an id and an action")),
    ("audit_log_outcome_check", Invalid("event.outcome", "is not a known outcome")),
    ("audit_log_at_check", Invalid("event.at", "must match the stored time")),
    ("audit_log_hash_check", Invalid("hash", "must be 64 lower-case hex digits")),
    // notifications
    ("notifications_pkey", Conflict("notification id already exists")),
    ("notifications_user_id_fkey", Missing("user")),
    ("notifications_kind_check", Invalid("kind", "must be a snake_case name")),
    // records
    ("medical_records_pkey", Conflict("record id already exists")),
    ("medical_records_patient_id_fkey", Missing("patient")),
    ("medical_records_kind_check", Invalid("kind", "is not a known record kind")),
    ("medical_records_current_version_check", Invalid("current_version", "must be at least 1")),
    ("medical_records_current_version_fkey", Missing("record version")),
    ("record_versions_pkey", Conflict("record version already exists")),
    ("record_versions_record_id_fkey", Missing("record")),
    ("record_versions_version_check", Invalid("version", "must be at least 1")),
    ("record_versions_change_check", Invalid("change", "is not a known change")),
    ("record_versions_restored_from_check", Invalid("change", "a restore names its source version")),
    ("record_versions_content_check", Invalid("content", "must be an object")),
    ("record_notes_pkey", Conflict("note id already exists")),
    ("record_notes_record_id_fkey", Missing("record")),
    ("record_notes_patient_id_fkey", Missing("patient")),
    // prescriptions
    ("prescriptions_pkey", Conflict("prescription id already exists")),
    ("prescriptions_patient_id_fkey", Missing("patient")),
    ("prescriptions_status_check", Invalid("status", "is not a known status")),
    ("prescriptions_counts_check", Invalid("quantity", "counts must not be negative")),
    ("prescriptions_interactions_check", Invalid("interactions", "must be a list")),
    ("prescriptions_version_check", Invalid("version", "must be at least 1")),
    // billing
    ("fees_pkey", Conflict("fee already exists")),
    ("fees_doctor_id_fkey", Missing("user")),
    ("fees_amount_check", Invalid("amount_minor", "must not be negative")),
    ("fees_currency_check", Invalid("currency", "must be three upper-case letters")),
    ("fees_tax_rate_check", Invalid("tax_rate_bp", "must not be negative")),
    ("invoices_pkey", Conflict("invoice id already exists")),
    ("invoices_appointment_id_key", Conflict("the appointment already has an invoice")),
    ("invoices_appointment_id_fkey", Missing("appointment")),
    ("invoices_patient_id_fkey", Missing("patient")),
    ("invoices_doctor_id_fkey", Missing("user")),
    ("invoices_currency_check", Invalid("currency", "must be three upper-case letters")),
    ("invoices_status_check", Invalid("status", "is not a known status")),
    ("invoices_lines_check", Invalid("lines", "must be a list")),
    ("invoices_payments_check", Invalid("payments", "must be a list")),
    ("invoices_version_check", Invalid("version", "must be at least 1")),
    // files
    ("files_pkey", Conflict("file id already exists")),
    ("files_patient_id_fkey", Missing("patient")),
    ("files_kind_check", Invalid("kind", "is not an accepted file type")),
    ("files_size_check", Invalid("size", "must not be negative")),
    ("files_sha256_check", Invalid("sha256", "must be 64 lower-case hex digits")),
    ("file_contents_pkey", Conflict("file content already stored")),
    ("file_contents_file_id_fkey", Missing("file")),
];

/// What the named constraint means, if it is one of the schema's.
pub(crate) fn meaning(constraint: &str) -> Option<Meaning> {
    CONSTRAINTS
        .iter()
        .find(|(name, _)| *name == constraint)
        .map(|(_, m)| *m)
}

impl Meaning {
    /// The core error for a violation.
    pub(crate) fn to_error(self) -> Error {
        match self {
            Conflict(message) => Error::conflict(message, None),
            Missing(entity) => Error::NotFound { entity, id: None },
            Invalid(field, reason) => Error::invalid(field, reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_map_to_semantic_errors() {
        let mut names: Vec<&str> = CONSTRAINTS.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "duplicate constraint names");
        assert!(matches!(
            meaning("users_email_key").map(Meaning::to_error),
            Some(Error::Conflict { .. })
        ));
        assert!(matches!(
            meaning("appointments_patient_id_fkey").map(Meaning::to_error),
            Some(Error::NotFound {
                entity: "patient",
                ..
            })
        ));
        assert!(matches!(
            meaning("appointments_time_order").map(Meaning::to_error),
            Some(Error::InvalidInput(_))
        ));
        assert!(meaning("no_such_constraint").is_none());
    }
}

/// Checks the table against the live schema.
#[cfg(all(test, feature = "testing"))]
mod schema_tests {
    use super::*;

    /// Every constraint and unique index the migrations create is in [`CONSTRAINTS`], and
    /// every entry names one that exists: no violation can surface as a generic backend error.
    #[tokio::test]
    async fn every_schema_constraint_is_mapped() {
        let Some(store) = crate::testing::fresh_postgres_store().await else {
            eprintln!("skipped: no database configured (run scripts/test)");
            return;
        };
        let mut in_schema: Vec<String> = sqlx::query_scalar(
            "SELECT conname::text FROM pg_constraint c \
             JOIN pg_namespace n ON n.oid = c.connamespace \
             WHERE n.nspname = 'public' AND c.conrelid <> 0 \
               AND c.conrelid::regclass::text NOT LIKE '\\_sqlx%' \
             UNION \
             SELECT indexrelid::regclass::text FROM pg_index i \
             JOIN pg_class t ON t.oid = i.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = 'public' AND i.indisunique \
               AND t.relname NOT LIKE '\\_sqlx%'",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        in_schema.sort();
        in_schema.dedup();
        let unmapped: Vec<_> = in_schema.iter().filter(|n| meaning(n).is_none()).collect();
        assert!(
            unmapped.is_empty(),
            "constraints without a meaning: {unmapped:?}"
        );
        let stale: Vec<_> = CONSTRAINTS
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| !in_schema.iter().any(|s| s == n))
            .collect();
        assert!(stale.is_empty(), "mapped but not in the schema: {stale:?}");
    }
}
