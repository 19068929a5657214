//! Collections, their indexes, and idempotent creation of both.
//!
//! Every invariant the server must enforce is a named unique index here; [`duplicate_message`]
//! turns the name of a violated index into the conflict message callers see.

use bson::{doc, Document};
use mongodb::options::IndexOptions;
use mongodb::{Database, IndexModel};

use medsync_core::audit::chain::GENESIS;
use medsync_core::Result;

use crate::error;

/// How many independent audit hash chains the store spreads entries over.
pub const AUDIT_CHAINS: u32 = 16;

/// Login identities.
pub(crate) const USERS: &str = "users";
/// Patient charts.
pub(crate) const PATIENTS: &str = "patients";
/// Refresh tokens (hashes only).
pub(crate) const REFRESH_TOKENS: &str = "refresh_tokens";
/// Password-reset tokens (hashes only).
pub(crate) const RESET_TOKENS: &str = "reset_tokens";
/// Doctors' availability, one document per doctor.
pub(crate) const AVAILABILITY: &str = "availability";
/// Appointments.
pub(crate) const APPOINTMENTS: &str = "appointments";
/// Per-doctor and per-patient lock documents written by every calendar-changing transaction.
pub(crate) const CALENDAR_LOCKS: &str = "calendar_locks";
/// Care-team assignments.
pub(crate) const CARE_TEAM: &str = "care_team";
/// Caregiver delegation grants.
pub(crate) const GRANTS: &str = "grants";
/// Break-glass sessions.
pub(crate) const BREAK_GLASS: &str = "break_glass";
/// Audit entries.
pub(crate) const AUDIT_LOG: &str = "audit_log";
/// The head (last seq and hash) of each audit chain.
pub(crate) const AUDIT_HEADS: &str = "audit_heads";
/// Stored notifications (watched by [`crate::MongoNotifier`]).
pub(crate) const NOTIFICATIONS: &str = "notifications";
/// Medical record headers.
pub(crate) const RECORDS: &str = "records";
/// Immutable record versions.
pub(crate) const RECORD_VERSIONS: &str = "record_versions";
/// Notes appended to records.
pub(crate) const RECORD_NOTES: &str = "record_notes";
/// Prescriptions.
pub(crate) const PRESCRIPTIONS: &str = "prescriptions";
/// Fee schedules.
pub(crate) const FEES: &str = "fees";
/// Invoices.
pub(crate) const INVOICES: &str = "invoices";
/// Metadata of uploaded files (the bytes live in the [`FILES_BUCKET`] GridFS bucket).
pub(crate) const FILES: &str = "files";
/// Uploads in flight: a claim on a file id, taken before its bytes are written to GridFS
/// and removed when its metadata commits (or its bytes are removed again).
pub(crate) const FILE_UPLOADS: &str = "file_uploads";

/// The GridFS bucket holding the bytes of uploaded files (collections
/// `medical_files.files` and `medical_files.chunks`); each GridFS file's id is the
/// [`FileId`](medsync_core::ids::FileId) as a BSON binary UUID.
pub const FILES_BUCKET: &str = "medical_files";
/// The bucket's files collection.
pub(crate) const FILES_BUCKET_FILES: &str = "medical_files.files";
/// The bucket's chunks collection.
pub(crate) const FILES_BUCKET_CHUNKS: &str = "medical_files.chunks";

/// Every collection the store uses.
pub(crate) const COLLECTIONS: [&str; 23] = [
    USERS,
    PATIENTS,
    REFRESH_TOKENS,
    RESET_TOKENS,
    AVAILABILITY,
    APPOINTMENTS,
    CALENDAR_LOCKS,
    CARE_TEAM,
    GRANTS,
    BREAK_GLASS,
    AUDIT_LOG,
    AUDIT_HEADS,
    NOTIFICATIONS,
    RECORDS,
    RECORD_VERSIONS,
    RECORD_NOTES,
    PRESCRIPTIONS,
    FEES,
    INVOICES,
    FILES,
    FILE_UPLOADS,
    FILES_BUCKET_FILES,
    FILES_BUCKET_CHUNKS,
];

/// Unique index: one user per normalised email.
pub(crate) const IX_USER_EMAIL: &str = "users_email_unique";
/// Unique index: one chart per MRN.
pub(crate) const IX_PATIENT_MRN: &str = "patients_mrn_unique";
/// Unique partial index: one appointment per (booker, idempotency key).
pub(crate) const IX_IDEMPOTENCY: &str = "appointments_idempotency_unique";
/// Unique index: one document per (record, version).
pub(crate) const IX_RECORD_VERSION: &str = "record_versions_unique";
/// Unique index: one invoice per appointment.
pub(crate) const IX_INVOICE_APPOINTMENT: &str = "invoices_appointment_unique";
/// Unique index: refresh token hashes.
pub(crate) const IX_REFRESH_HASH: &str = "refresh_tokens_hash_unique";
/// Unique index: reset token hashes.
pub(crate) const IX_RESET_HASH: &str = "reset_tokens_hash_unique";
/// Unique index: one fee per (doctor, appointment type).
pub(crate) const IX_FEE: &str = "fees_doctor_type_unique";
/// Unique index: one assignment per (chart, member).
pub(crate) const IX_CARE_TEAM: &str = "care_team_unique";
/// Unique index: one audit entry per (chain, seq).
pub(crate) const IX_AUDIT_SEQ: &str = "audit_chain_seq_unique";
/// Unique index of the GridFS spec: one chunk per (file, index).
pub(crate) const IX_FILE_CHUNK: &str = "medical_files_chunks_unique";

/// The conflict message for a duplicate key on `index` of `collection`.
pub(crate) fn duplicate_message(collection: &str, index: &str) -> String {
    let known = match index {
        IX_USER_EMAIL => "email already registered",
        IX_PATIENT_MRN => "medical record number already in use",
        IX_IDEMPOTENCY => "idempotency key already used by this booker",
        IX_RECORD_VERSION => "record version already exists",
        IX_INVOICE_APPOINTMENT => "appointment already has an invoice",
        IX_REFRESH_HASH => "refresh token already exists",
        IX_RESET_HASH => "reset token already exists",
        IX_FEE => "fee already exists",
        IX_CARE_TEAM => "already on the care team",
        IX_AUDIT_SEQ => "audit sequence number already used",
        IX_FILE_CHUNK => "file id already exists",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    let entity = match collection {
        USERS => "user",
        PATIENTS => "patient",
        APPOINTMENTS => "appointment",
        GRANTS => "grant",
        BREAK_GLASS => "break-glass session",
        NOTIFICATIONS => "notification",
        RECORDS => "record",
        RECORD_NOTES => "note",
        PRESCRIPTIONS => "prescription",
        INVOICES => "invoice",
        FILES | FILE_UPLOADS => "file",
        REFRESH_TOKENS => "refresh token",
        _ => "document",
    };
    if index == "_id_" {
        format!("{entity} id already exists")
    } else {
        format!("{entity} already exists")
    }
}

/// A named index over `keys`.
fn index(name: &str, keys: Document) -> IndexModel {
    IndexModel::builder()
        .keys(keys)
        .options(IndexOptions::builder().name(name.to_owned()).build())
        .build()
}

/// A named unique index over `keys`.
fn unique(name: &str, keys: Document) -> IndexModel {
    IndexModel::builder()
        .keys(keys)
        .options(
            IndexOptions::builder()
                .name(name.to_owned())
                .unique(true)
                .build(),
        )
        .build()
}

/// Every index, by collection.
fn indexes() -> Vec<(&'static str, Vec<IndexModel>)> {
    vec![
        (
            USERS,
            vec![
                unique(IX_USER_EMAIL, doc! {"email": 1}),
                index("users_created", doc! {"created_at": 1, "_id": 1}),
                index("users_role_status", doc! {"role": 1, "status": 1}),
            ],
        ),
        (
            PATIENTS,
            vec![
                unique(IX_PATIENT_MRN, doc! {"mrn": 1}),
                index("patients_name", doc! {"name": 1, "_id": 1}),
                index("patients_owner", doc! {"user_id": 1}),
            ],
        ),
        (
            REFRESH_TOKENS,
            vec![
                unique(IX_REFRESH_HASH, doc! {"token_hash": 1}),
                index("refresh_tokens_family", doc! {"family_id": 1}),
                index("refresh_tokens_user", doc! {"user_id": 1}),
            ],
        ),
        (
            RESET_TOKENS,
            vec![unique(IX_RESET_HASH, doc! {"token_hash": 1})],
        ),
        (
            APPOINTMENTS,
            vec![
                IndexModel::builder()
                    .keys(doc! {"booked_by": 1, "idempotency_key": 1})
                    .options(
                        IndexOptions::builder()
                            .name(IX_IDEMPOTENCY.to_owned())
                            .unique(true)
                            .partial_filter_expression(doc! {"idempotency_key": {"$exists": true}})
                            .build(),
                    )
                    .build(),
                index(
                    "appointments_doctor_start",
                    doc! {"doctor_id": 1, "start": 1},
                ),
                index(
                    "appointments_patient_start",
                    doc! {"patient_id": 1, "start": 1},
                ),
                index("appointments_start", doc! {"start": 1, "_id": 1}),
                index(
                    "appointments_holds",
                    doc! {"status": 1, "hold_expires_at": 1},
                ),
                index("appointments_created", doc! {"created_at": 1}),
                index("appointments_cancelled", doc! {"cancellation.at": 1}),
            ],
        ),
        (
            CARE_TEAM,
            vec![
                unique(IX_CARE_TEAM, doc! {"patient_id": 1, "member_id": 1}),
                index("care_team_member", doc! {"member_id": 1}),
            ],
        ),
        (
            GRANTS,
            vec![
                index("grants_patient", doc! {"patient_id": 1, "created_at": 1}),
                index("grants_grantee", doc! {"grantee": 1}),
            ],
        ),
        (
            BREAK_GLASS,
            vec![index(
                "break_glass_actor",
                doc! {"actor": 1, "patient_id": 1},
            )],
        ),
        (
            AUDIT_LOG,
            vec![
                unique(IX_AUDIT_SEQ, doc! {"chain": 1, "seq": 1}),
                index("audit_at", doc! {"at": -1, "at_nanos": -1, "event_id": -1}),
                index("audit_actor", doc! {"actor": 1, "at": -1}),
                index("audit_patient", doc! {"patient_id": 1, "at": -1}),
                index("audit_action", doc! {"action": 1, "at": -1}),
            ],
        ),
        (
            NOTIFICATIONS,
            vec![index(
                "notifications_user",
                doc! {"user_id": 1, "created_at": -1, "_id": -1},
            )],
        ),
        (
            RECORDS,
            vec![index(
                "records_patient",
                doc! {"patient_id": 1, "created_at": 1, "_id": 1},
            )],
        ),
        (
            RECORD_VERSIONS,
            vec![unique(
                IX_RECORD_VERSION,
                doc! {"record_id": 1, "version": 1},
            )],
        ),
        (
            RECORD_NOTES,
            vec![index("record_notes_record", doc! {"record_id": 1, "n": 1})],
        ),
        (
            PRESCRIPTIONS,
            vec![index(
                "prescriptions_patient",
                doc! {"patient_id": 1, "created_at": -1, "_id": -1},
            )],
        ),
        (
            FEES,
            vec![unique(IX_FEE, doc! {"doctor_id": 1, "appointment_type": 1})],
        ),
        (
            INVOICES,
            vec![
                unique(IX_INVOICE_APPOINTMENT, doc! {"appointment_id": 1}),
                index("invoices_created", doc! {"created_at": -1, "_id": -1}),
                index("invoices_patient", doc! {"patient_id": 1, "created_at": -1}),
                index("invoices_paid", doc! {"paid_at": 1}),
            ],
        ),
        (
            FILES,
            vec![index(
                "files_patient",
                doc! {"patient_id": 1, "uploaded_at": 1, "_id": 1},
            )],
        ),
        // The GridFS spec's indexes, created here so that the driver (which creates them on
        // a bucket's first upload if missing) finds them, and the chunk index is unique.
        (
            FILES_BUCKET_FILES,
            vec![index(
                "medical_files_files_filename",
                doc! {"filename": 1, "uploadDate": 1},
            )],
        ),
        (
            FILES_BUCKET_CHUNKS,
            vec![unique(IX_FILE_CHUNK, doc! {"files_id": 1, "n": 1})],
        ),
    ]
}

/// Server code of "collection already exists".
const NAMESPACE_EXISTS: i32 = 48;

/// Creates every collection and index, and the audit chain heads, if missing, and sets the
/// collections' validators. Idempotent and safe to run concurrently from several processes.
pub(crate) async fn init(db: &Database) -> Result<()> {
    let existing = db
        .list_collection_names()
        .await
        .map_err(|e| error::map(e, "listing collections"))?;
    for name in COLLECTIONS {
        if existing.iter().any(|c| c == name) {
            continue;
        }
        if let Err(e) = db.create_collection(name).await {
            if error::code(&e) != Some(NAMESPACE_EXISTS) {
                return Err(error::map(e, "creating a collection"));
            }
        }
    }
    crate::validators::apply(db).await?;
    for (collection, models) in indexes() {
        db.collection::<Document>(collection)
            .create_indexes(models)
            .await
            .map_err(|e| error::map(e, "creating indexes"))?;
    }
    let heads = db.collection::<Document>(AUDIT_HEADS);
    for chain in 0..AUDIT_CHAINS {
        let id = i64::from(chain);
        let upsert = heads
            .update_one(
                doc! {"_id": id},
                doc! {"$setOnInsert": {"seq": 0_i64, "hash": GENESIS}},
            )
            .upsert(true)
            .await;
        match upsert {
            Ok(_) => {}
            // Two processes upserting the same head at once: one insert wins.
            Err(e) if error::is_duplicate_key(&e) => {}
            Err(e) => return Err(error::map(e, "creating audit chain heads")),
        }
    }
    Ok(())
}
