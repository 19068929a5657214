//! Collection validators: the rules about a single document that the server enforces on
//! every write, whoever makes it — the counterparts of PostgreSQL's CHECK constraints.
//!
//! MedSync keeps these rules before it writes (its types make most of them unbreakable, and
//! the service validates the rest, naming the field); the validators are what stop a writer
//! that bypasses the library, and what let the collision queries of [`crate::calendar`]
//! trust their window: an appointment that lasted longer than
//! [`MAX_APPOINTMENT_MINUTES`](medsync_core::scheduling::MAX_APPOINTMENT_MINUTES) would be
//! invisible to them.
//!
//! Each validator is one document: a `$jsonSchema` for the rules about one field (its BSON
//! type, allowed values, bounds, pattern; a field a rule is about is required unless
//! PostgreSQL's column is nullable) and, where a rule relates fields, an `$expr`. They are
//! written for the documents of [`crate::model`] as serde lays them out: fields are named as
//! stored, integers are `long` (an `int` is accepted too), unit enums are their snake_case
//! names, optional values are `null` when unset. Upload claims (`file_uploads`, which have
//! no table in PostgreSQL) get the file size rule; collections with no CHECK-constrained
//! counterpart (care team, refresh and reset tokens, record notes, calendar locks, the GridFS
//! bucket) have no validator.
//!
//! Validators are applied with `validationLevel: "moderate"`: every insert is checked, and
//! so is every update of a document that is itself valid. Documents written before the
//! validator existed are not rejected retroactively (like PostgreSQL's `NOT VALID`), so an
//! older, longer appointment can still be cancelled.

mod access;
mod audit;
mod billing;
mod files;
mod identity;
mod notifications;
mod prescriptions;
mod records;
mod scheduling;

use bson::{doc, Bson, Document};
use futures::TryStreamExt;
use mongodb::options::{ValidationAction, ValidationLevel};
use mongodb::Database;
use serde::Serialize;

use medsync_core::identity::Role;
use medsync_core::Result;

use crate::convert::tag;
use crate::error;
use crate::schema::{
    APPOINTMENTS, AUDIT_HEADS, AUDIT_LOG, AVAILABILITY, BREAK_GLASS, FEES, FILES, FILE_UPLOADS,
    GRANTS, INVOICES, NOTIFICATIONS, PATIENTS, PRESCRIPTIONS, RECORDS, RECORD_VERSIONS, USERS,
};

/// The BSON types an integer field may have (the store writes `long`).
const INTEGER: [&str; 2] = ["int", "long"];

/// A SHA-256 digest as text: 64 lower-case hex digits. Patterns end in `\z`, not `$`, which
/// would also match before a final newline.
const HEX_64: &str = r"^[0-9a-f]{64}\z";

/// The `$jsonSchema` of a document whose fields `required` must be present and whose
/// `properties` (field name → schema) hold where present.
fn schema(required: &[&str], properties: Document) -> Document {
    doc! {
        "bsonType": "object",
        "required": required.iter().map(|f| Bson::from(*f)).collect::<Vec<_>>(),
        "properties": properties,
    }
}

/// A validator made of a `$jsonSchema` only.
fn json_schema(schema: Document) -> Document {
    doc! {"$jsonSchema": schema}
}

/// The schema of an integer field that is at least `min`.
fn at_least(min: i64) -> Document {
    doc! {"bsonType": INTEGER.to_vec(), "minimum": min}
}

/// The schema of an optimistic-concurrency version: an integer, at least 1.
fn version() -> Document {
    at_least(1)
}

/// The schema of a string field matching `pattern`.
fn matching(pattern: &str) -> Document {
    doc! {"bsonType": "string", "pattern": pattern}
}

/// The schema of a field holding one of `values`' serde names (`"no_show"`), or also `null`
/// when `nullable`.
fn one_of<T: Serialize>(values: impl IntoIterator<Item = T>, nullable: bool) -> Document {
    let mut names: Vec<Bson> = values.into_iter().map(|v| tag(&v)).collect();
    if nullable {
        names.push(Bson::Null);
    }
    doc! {"enum": names}
}

/// The schema of a role field: one of [`Role::ALL`] (or also `null` when `nullable`).
fn role(nullable: bool) -> Document {
    one_of(Role::ALL, nullable)
}

/// Every validator, by collection.
fn validators() -> [(&'static str, Document); 16] {
    [
        (USERS, identity::users()),
        (PATIENTS, identity::patients()),
        (AVAILABILITY, scheduling::availability()),
        (APPOINTMENTS, scheduling::appointments()),
        (GRANTS, access::grants()),
        (BREAK_GLASS, access::break_glass()),
        (AUDIT_LOG, audit::audit_log()),
        (AUDIT_HEADS, audit::audit_heads()),
        (NOTIFICATIONS, notifications::notifications()),
        (RECORDS, records::records()),
        (RECORD_VERSIONS, records::record_versions()),
        (PRESCRIPTIONS, prescriptions::prescriptions()),
        (FEES, billing::fees()),
        (INVOICES, billing::invoices()),
        (FILES, files::files()),
        (FILE_UPLOADS, files::file_uploads()),
    ]
}

/// Server error code of a command the user is not authorised to run.
const UNAUTHORIZED: i32 = 13;

/// Sets every collection's validator (`collMod`; the collections must exist) where it is not
/// already the one here, so an unchanged schema costs one `listCollections` per start and no
/// collection lock. Idempotent, and safe to run from several processes at once.
///
/// `collMod` needs the `collMod` privilege (e.g. the `dbAdmin` role), which `readWrite` lacks:
/// a user without it gets a warning per collection and the store still starts — MedSync checks
/// every rule before it writes, but the server then does not stop other writers.
pub(crate) async fn apply(db: &Database) -> Result<()> {
    let wanted = validators();
    let names: Vec<&str> = wanted.iter().map(|(c, _)| *c).collect();
    let mut current = db
        .list_collections()
        .filter(doc! {"name": {"$in": names}})
        .await
        .map_err(|e| error::map(e, "listing collections"))?;
    let mut installed = std::collections::HashMap::new();
    while let Some(spec) = current
        .try_next()
        .await
        .map_err(|e| error::map(e, "listing collections"))?
    {
        let o = &spec.options;
        let in_force = o.validation_level == Some(ValidationLevel::Moderate)
            && o.validation_action == Some(ValidationAction::Error);
        installed.insert(spec.name.clone(), o.validator.clone().filter(|_| in_force));
    }
    for (collection, validator) in wanted {
        if installed.get(collection).and_then(Option::as_ref) == Some(&validator) {
            continue;
        }
        let set = db
            .run_command(doc! {
                "collMod": collection,
                "validator": Bson::Document(validator),
                "validationLevel": "moderate",
                "validationAction": "error",
            })
            .await;
        match set {
            Ok(_) => {}
            Err(e) if error::code(&e) == Some(UNAUTHORIZED) => tracing::warn!(
                collection,
                "cannot set the collection's validator (the database user lacks the collMod \
                 privilege, e.g. the dbAdmin role): the server will not enforce its rules"
            ),
            Err(e) => return Err(error::map(e, "setting a collection validator")),
        }
    }
    Ok(())
}
