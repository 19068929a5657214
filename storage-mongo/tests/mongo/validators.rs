//! The collection validators refuse, from any writer, the documents PostgreSQL's CHECK
//! constraints refuse, and accept what the store writes.
//!
//! Each test writes legitimate documents through the store, reads one back raw, and inserts
//! edited copies of it straight into the collection: the unedited copy and the `accepted`
//! edits must be stored, every `refused` edit must fail with code 121 (document validation
//! failure), and so must one update of the stored document. Then the validator is removed
//! and every refused copy and the update must succeed: each refusal was the validator's.

use std::collections::BTreeSet;

use crate::support::{appt, at, chart, event, notification, pid, uid, user, write_error_code};
use bson::{doc, oid::ObjectId, Bson, Document};
use medsync_core::access::{BreakGlass, Grant};
use medsync_core::billing::{Currency, Fee, Invoice, InvoiceLine, InvoiceStatus};
use medsync_core::files::{FileKind, StoredFile};
use medsync_core::identity::Role;
use medsync_core::ids::{BreakGlassId, FileId, GrantId, InvoiceId, PrescriptionId, RecordId};
use medsync_core::policy::Action;
use medsync_core::prescriptions::{Medication, Prescription, PrescriptionStatus};
use medsync_core::records::{
    AllergySeverity, MedicalRecord, RecordContent, RecordVersion, VersionChange,
};
use medsync_core::scheduling::{AppointmentStatus, Cancellation};
use medsync_core::store::{
    AccessStore, AuditStore, BillingStore, FileStore, NotificationStore, PatientStore,
    PrescriptionStore, RecordStore, ScheduleStore, UserStore,
};
use medsync_storage_mongo::{testing, MongoStore};
use uuid::Uuid;

/// Server code of a document refused by its collection's validator.
const REFUSED: Option<i32> = Some(121);

/// One change to a copy; a dotted field names a field of a sub-document.
enum Edit {
    /// Sets the field.
    Set(&'static str, Bson),
    /// Removes the field.
    Unset(&'static str),
}

/// Sets `field` to `value`.
fn set(field: &'static str, value: impl Into<Bson>) -> Edit {
    Edit::Set(field, value.into())
}

/// Removes `field`.
fn unset(field: &'static str) -> Edit {
    Edit::Unset(field)
}

/// What a case shows, and its edits.
type Case = (&'static str, Vec<Edit>);

/// `d` with `edits` applied.
fn edited(mut d: Document, edits: &[Edit]) -> Document {
    for edit in edits {
        let (path, value) = match edit {
            Edit::Set(path, value) => (*path, Some(value.clone())),
            Edit::Unset(path) => (*path, None),
        };
        let mut parts: Vec<&str> = path.split('.').collect();
        let last = parts.pop().unwrap();
        let mut target = &mut d;
        for part in parts {
            target = target.get_document_mut(part).unwrap();
        }
        match value {
            Some(v) => target.insert(last, v),
            None => target.remove(last),
        };
    }
    d
}

/// A new BSON binary UUID.
fn new_uuid() -> bson::Uuid {
    bson::Uuid::from(Uuid::now_v7())
}

/// A new instant as a BSON date.
fn date() -> bson::DateTime {
    bson::DateTime::from_chrono(at(12, 0))
}

/// Copy `n` of `stored` with a new UUID `_id`.
fn new_id(stored: &Document, _n: i64) -> Document {
    edited(stored.clone(), &[set("_id", new_uuid())])
}

/// Copy `n` of `stored` with a new generated `_id`.
fn new_object_id(stored: &Document, _n: i64) -> Document {
    edited(stored.clone(), &[set("_id", ObjectId::new())])
}

/// Checks the validator of `name` against copies of `stored`: `copy(stored, n)` must give a
/// copy that no unique index confuses with `stored` or with another `n`. Removes the
/// validator at the end, so it runs once per collection.
async fn check(
    s: &MongoStore,
    name: &str,
    stored: &Document,
    copy: fn(&Document, i64) -> Document,
    accepted: Vec<Case>,
    refused: Vec<Case>,
    update: Document,
) {
    let coll = s.database().collection::<Document>(name);
    let code = write_error_code(coll.insert_one(copy(stored, 0)).await);
    assert_eq!(code, None, "{name}: an unedited copy");
    for (n, (what, edits)) in (1..).zip(&accepted) {
        let code = write_error_code(coll.insert_one(edited(copy(stored, n), edits)).await);
        assert_eq!(code, None, "{name}: {what}");
    }
    let mut refused_copies = Vec::new();
    for (n, (what, edits)) in (1000..).zip(&refused) {
        let d = edited(copy(stored, n), edits);
        let code = write_error_code(coll.insert_one(d.clone()).await);
        assert_eq!(code, REFUSED, "{name}: {what}");
        refused_copies.push((what, d));
    }
    let id = doc! {"_id": stored.get("_id").unwrap()};
    let code = write_error_code(coll.update_one(id.clone(), update.clone()).await);
    assert_eq!(code, REFUSED, "{name}: the update {update}");
    assert_eq!(
        coll.find_one(id.clone()).await.unwrap().as_ref(),
        Some(stored),
        "{name}: the refused update changed nothing"
    );

    // Without the validator, every refused write goes through.
    s.database()
        .run_command(doc! {"collMod": name, "validator": {}})
        .await
        .unwrap();
    for (what, d) in refused_copies {
        let code = write_error_code(coll.insert_one(d).await);
        assert_eq!(code, None, "{name} without its validator: {what}");
    }
    let updated = coll.update_one(id, update).await.unwrap();
    assert_eq!(updated.modified_count, 1, "{name} without its validator");
}

/// The raw document of `name` matching `filter`.
async fn raw(s: &MongoStore, name: &str, filter: Document) -> Document {
    let coll = s.database().collection::<Document>(name);
    coll.find_one(filter).await.unwrap().unwrap()
}

/// A fresh store, or `None` (the test is skipped) without a database.
async fn store() -> Option<MongoStore> {
    let s = testing::fresh_mongo_store().await;
    if s.is_none() {
        eprintln!("skipped: no database configured (run scripts/test)");
    }
    s
}

/// [`store`] with chart 1.
async fn store_with_chart() -> Option<MongoStore> {
    let s = store().await?;
    s.create_patient(&chart(1, "Pat", "MRN-1"), &event("chart.create"))
        .await
        .unwrap();
    Some(s)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_and_patients() {
    let Some(s) = store().await else { return };
    let u = user(1, "ann@example.org", Role::Doctor);
    s.create_user(&u, None, &event("user.create"))
        .await
        .unwrap();
    let stored = raw(&s, "users", doc! {}).await;
    fn copy(d: &Document, n: i64) -> Document {
        edited(
            new_id(d, n),
            &[set("email", format!("copy{n}@example.org"))],
        )
    }
    let accepted = vec![
        ("a caregiver", vec![set("role", "caregiver")]),
        ("pending approval", vec![set("status", "pending_approval")]),
        ("version 1 as int32", vec![set("version", 1_i32)]),
    ];
    let refused = vec![
        ("role superuser", vec![set("role", "superuser")]),
        ("role Doctor", vec![set("role", "Doctor")]),
        ("no role", vec![unset("role")]),
        ("status banned", vec![set("status", "banned")]),
        ("status null", vec![set("status", Bson::Null)]),
        ("version 0", vec![set("version", 0_i64)]),
        ("version as text", vec![set("version", "1")]),
        ("version as a double", vec![set("version", 1.0)]),
        ("no version", vec![unset("version")]),
    ];
    let update = doc! {"$set": {"role": "superuser"}};
    check(&s, "users", &stored, copy, accepted, refused, update).await;

    s.create_patient(&chart(1, "Pat", "MRN-1"), &event("chart.create"))
        .await
        .unwrap();
    let stored = raw(&s, "patients", doc! {}).await;
    fn copy_chart(d: &Document, n: i64) -> Document {
        edited(new_id(d, n), &[set("mrn", format!("MRN-COPY-{n}"))])
    }
    let accepted = vec![("female", vec![set("sex", "female")])];
    let refused = vec![
        ("sex f", vec![set("sex", "f")]),
        ("no sex", vec![unset("sex")]),
        ("version 0", vec![set("version", 0_i64)]),
        ("version -3", vec![set("version", -3_i64)]),
    ];
    let update = doc! {"$inc": {"version": -1_i64}};
    check(
        &s, "patients", &stored, copy_chart, accepted, refused, update,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn availability_and_appointments() {
    let Some(s) = store().await else { return };
    let week = medsync_core::testkit::weekday_availability(uid(1));
    s.put_availability(&week, &event("availability.set"))
        .await
        .unwrap();
    let stored = raw(&s, "availability", doc! {}).await;
    let accepted = vec![
        ("no buffer", vec![set("buffer_minutes", 0_i64)]),
        (
            "no weekly openings",
            vec![set("weekly", Bson::Array(vec![]))],
        ),
        ("a 1-minute slot", vec![set("slot_minutes", 1_i64)]),
    ];
    let refused = vec![
        ("weekly as text", vec![set("weekly", "Mon 09:00-17:00")]),
        ("no weekly", vec![unset("weekly")]),
        ("exceptions null", vec![set("exceptions", Bson::Null)]),
        ("0-minute slots", vec![set("slot_minutes", 0_i64)]),
        ("no slot length", vec![unset("slot_minutes")]),
        ("a negative buffer", vec![set("buffer_minutes", -1_i64)]),
        ("a buffer as text", vec![set("buffer_minutes", "10")]),
    ];
    let update = doc! {"$set": {"slot_minutes": 0_i64}};
    check(
        &s,
        "availability",
        &stored,
        new_id,
        accepted,
        refused,
        update,
    )
    .await;

    // A legitimately cancelled appointment: booked, then cancelled by the patient.
    let a = appt(1, uid(1), pid(1), at(9, 0), 30);
    s.book(&a, at(8, 0), &event("appointment.book"))
        .await
        .unwrap();
    let mut cancelled = a.clone();
    cancelled.status = AppointmentStatus::Cancelled;
    cancelled.cancellation = Some(Cancellation {
        by: uid(2),
        by_role: Role::Patient,
        reason: Some("travelling".into()),
        at: at(8, 30),
    });
    s.update_appointment(&cancelled, 1, at(8, 30), &event("appointment.cancel"))
        .await
        .unwrap();
    let stored = raw(&s, "appointments", doc! {}).await;
    assert_eq!(stored.get_str("status"), Ok("cancelled"));
    let hold = Bson::DateTime(bson::DateTime::from_chrono(at(8, 45)));
    let accepted = vec![
        (
            "a pending hold",
            vec![
                set("status", "pending"),
                set("hold_expires_at", hold.clone()),
                set("cancellation", Bson::Null),
            ],
        ),
        ("no cancellation", vec![unset("cancellation")]),
        ("no cancellation reason", vec![unset("cancellation.reason")]),
        ("a no-show", vec![set("status", "no_show")]),
    ];
    let refused = vec![
        ("status booked", vec![set("status", "booked")]),
        ("no status", vec![unset("status")]),
        ("pending without a hold", vec![set("status", "pending")]),
        (
            "pending with a hold as text",
            vec![
                set("status", "pending"),
                set("hold_expires_at", "2026-03-02T08:45:00Z"),
            ],
        ),
        ("version 0", vec![set("version", 0_i64)]),
        ("no version", vec![unset("version")]),
        ("cancelled by nobody", vec![unset("cancellation.by")]),
        (
            "cancelled by null",
            vec![set("cancellation.by", Bson::Null)],
        ),
        ("cancelled by no role", vec![unset("cancellation.by_role")]),
        (
            "cancelled by a superuser",
            vec![set("cancellation.by_role", "superuser")],
        ),
        ("cancelled at no time", vec![unset("cancellation.at")]),
        ("an empty cancellation", vec![set("cancellation", doc! {})]),
        ("a cancellation as text", vec![set("cancellation", "yes")]),
        // The span rules kept from before.
        ("no block end", vec![unset("block_end")]),
    ];
    let update = doc! {"$set": {"status": "pending", "hold_expires_at": Bson::Null}};
    check(
        &s,
        "appointments",
        &stored,
        new_id,
        accepted,
        refused,
        update,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_and_break_glass() {
    let Some(s) = store().await else { return };
    let grant = Grant {
        id: GrantId(Uuid::now_v7()),
        patient_id: pid(1),
        grantee: uid(2),
        actions: BTreeSet::from([Action::ReadChart, Action::BookAppointment]),
        granted_by: uid(1),
        created_at: at(8, 0),
        expires_at: None,
        revoked_at: None,
    };
    s.create_grant(&grant, &event("grant.create"))
        .await
        .unwrap();
    let stored = raw(&s, "grants", doc! {}).await;
    let accepted = vec![
        ("no actions", vec![set("actions", Bson::Array(vec![]))]),
        ("every action", vec![set("actions", every_action())]),
    ];
    let refused = vec![
        ("a null action", vec![set("actions", vec![Bson::Null])]),
        (
            "a null among actions",
            vec![set("actions", vec![Bson::from("read_chart"), Bson::Null])],
        ),
        ("an unknown action", vec![set("actions", vec!["fly"])]),
        ("actions as text", vec![set("actions", "read_chart")]),
        ("no actions field", vec![unset("actions")]),
    ];
    let update = doc! {"$push": {"actions": Bson::Null}};
    check(&s, "grants", &stored, new_id, accepted, refused, update).await;

    let session = BreakGlass {
        id: BreakGlassId(Uuid::now_v7()),
        actor: uid(1),
        patient_id: pid(1),
        reason: "patient collapsed in the ward".into(),
        started_at: at(8, 0),
        expires_at: at(9, 0),
    };
    s.start_break_glass(&session, &event("break_glass.start"))
        .await
        .unwrap();
    let stored = raw(&s, "break_glass", doc! {}).await;
    let accepted = vec![("one letter among spaces", vec![set("reason", "  x  ")])];
    let refused = vec![
        ("an empty reason", vec![set("reason", "")]),
        ("a reason of spaces", vec![set("reason", "   ")]),
        (
            "a reason of tabs and newlines",
            vec![set("reason", "\t\n ")],
        ),
        ("a null reason", vec![set("reason", Bson::Null)]),
        ("no reason", vec![unset("reason")]),
    ];
    let update = doc! {"$set": {"reason": " "}};
    check(
        &s,
        "break_glass",
        &stored,
        new_id,
        accepted,
        refused,
        update,
    )
    .await;
}

/// Every action's name, as a BSON array.
fn every_action() -> Bson {
    let names = Action::ALL.iter().map(|a| Bson::from(a.as_str())).collect();
    Bson::Array(names)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_entries_and_heads() {
    let Some(s) = store().await else { return };
    let entry = s.append_audit(&event("auth.login")).await.unwrap();
    let chain = i64::from(entry.chain);
    let stored = raw(&s, "audit_log", doc! {"chain": chain, "seq": 1_i64}).await;
    fn copy(d: &Document, n: i64) -> Document {
        edited(new_object_id(d, n), &[set("seq", 1_000_000 + n)])
    }
    let upper = "AB".repeat(32);
    let accepted = vec![
        ("an anonymous actor", vec![set("actor_role", Bson::Null)]),
        ("denied", vec![set("outcome", "denied")]),
        ("the last chain", vec![set("chain", 15_i64)]),
    ];
    let refused = vec![
        ("seq 0", vec![set("seq", 0_i64)]),
        ("seq -1", vec![set("seq", -1_i64)]),
        ("chain -1", vec![set("chain", -1_i64)]),
        ("no chain", vec![unset("chain")]),
        ("an upper-case hash", vec![set("hash", upper.clone())]),
        ("a 63-digit hash", vec![set("hash", "a".repeat(63))]),
        ("a 65-digit hash", vec![set("hash", "a".repeat(65))]),
        (
            "a hash with a newline",
            vec![set("hash", "a".repeat(64) + "\n")],
        ),
        ("no prev_hash", vec![unset("prev_hash")]),
        (
            "a prev_hash not hex",
            vec![set("prev_hash", "g".repeat(64))],
        ),
        ("outcome maybe", vec![set("outcome", "maybe")]),
        ("no outcome", vec![unset("outcome")]),
        ("actor_role superuser", vec![set("actor_role", "superuser")]),
        ("no event id", vec![unset("event_id")]),
        ("an event id as text", vec![set("event_id", "abc")]),
        ("a null action", vec![set("action", Bson::Null)]),
    ];
    let update = doc! {"$set": {"outcome": "maybe"}};
    check(&s, "audit_log", &stored, copy, accepted, refused, update).await;

    let stored = raw(&s, "audit_heads", doc! {"_id": chain}).await;
    assert_eq!(stored.get_i64("seq"), Ok(1));
    fn copy_head(d: &Document, n: i64) -> Document {
        edited(d.clone(), &[set("_id", 100 + n)])
    }
    let accepted = vec![
        ("an empty chain", vec![set("seq", 0_i64)]),
        // What the append's upsert writes when a head is missing.
        ("no hash yet", vec![unset("hash")]),
    ];
    let refused = vec![
        ("chain -1", vec![set("_id", -1_i64)]),
        ("chain as text", vec![set("_id", "one")]),
        ("seq -1", vec![set("seq", -1_i64)]),
        ("no seq", vec![unset("seq")]),
        ("an upper-case hash", vec![set("hash", upper)]),
        ("a null hash", vec![set("hash", Bson::Null)]),
    ];
    let update = doc! {"$set": {"hash": "0"}};
    check(
        &s,
        "audit_heads",
        &stored,
        copy_head,
        accepted,
        refused,
        update,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications() {
    let Some(s) = store().await else { return };
    s.insert_notification(&notification(1, uid(1), at(9, 0)))
        .await
        .unwrap();
    let stored = raw(&s, "notifications", doc! {}).await;
    assert_eq!(stored.get_str("kind"), Ok("appointment_booked"));
    let accepted = vec![(
        "a kind this version does not know",
        vec![set("kind", "lab_result_2")],
    )];
    let refused = vec![
        ("kind in camel case", vec![set("kind", "AppointmentBooked")]),
        ("kind with a dash", vec![set("kind", "appointment-booked")]),
        ("kind starting with a digit", vec![set("kind", "2fa_reset")]),
        ("kind starting with an underscore", vec![set("kind", "_x")]),
        ("an empty kind", vec![set("kind", "")]),
        ("kind and a newline", vec![set("kind", "account_changed\n")]),
        ("no kind", vec![unset("kind")]),
    ];
    let update = doc! {"$set": {"kind": "Booked!"}};
    check(
        &s,
        "notifications",
        &stored,
        new_id,
        accepted,
        refused,
        update,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_and_versions() {
    let Some(s) = store().await else { return };
    let id = RecordId(Uuid::now_v7());
    let content = RecordContent::Allergy {
        substance: "penicillin".into(),
        reaction: Some("hives".into()),
        severity: AllergySeverity::Moderate,
    };
    let record = MedicalRecord {
        id,
        patient_id: pid(1),
        kind: content.kind().into(),
        current_version: 1,
        created_by: uid(1),
        created_at: at(9, 0),
        updated_at: at(9, 0),
    };
    let first = RecordVersion {
        record_id: id,
        version: 1,
        content: content.clone(),
        author: uid(1),
        at: at(9, 0),
        reason: None,
        change: VersionChange::Created,
    };
    s.create_record(&record, &first, &event("record.create"))
        .await
        .unwrap();
    let restored = RecordVersion {
        version: 2,
        at: at(9, 30),
        reason: Some("restored after a mistaken edit".into()),
        change: VersionChange::Restored { from: 1 },
        ..first
    };
    s.append_version(&restored, 1, &event("record.restore"))
        .await
        .unwrap();

    let stored = raw(&s, "records", doc! {}).await;
    let accepted = vec![("a diagnosis", vec![set("kind", "diagnosis")])];
    let refused = vec![
        ("kind x_ray", vec![set("kind", "x_ray")]),
        ("no kind", vec![unset("kind")]),
        ("current version 0", vec![set("current_version", 0_i64)]),
        ("no current version", vec![unset("current_version")]),
    ];
    let update = doc! {"$set": {"current_version": 0_i64}};
    check(&s, "records", &stored, new_id, accepted, refused, update).await;

    let stored = raw(&s, "record_versions", doc! {"version": 2_i64}).await;
    assert_eq!(
        stored.get_document("change").unwrap(),
        &doc! {"type": "restored", "from": 1_i64}
    );
    fn copy_version(d: &Document, n: i64) -> Document {
        edited(new_object_id(d, n), &[set("record_id", new_uuid())])
    }
    let note = RecordContent::ClinicalNote {
        title: "Ward round".into(),
        text: "line one\nline two\u{2028}three".into(),
    };
    let note = serde_json::to_string(&note).unwrap();
    let accepted = vec![
        (
            "created",
            vec![
                set("change", doc! {"type": "created"}),
                set("version", 1_i64),
            ],
        ),
        ("amended", vec![set("change", doc! {"type": "amended"})]),
        ("a note with line breaks", vec![set("content", note)]),
    ];
    let refused = vec![
        ("version 0", vec![set("version", 0_i64)]),
        ("restored from nothing", vec![unset("change.from")]),
        ("restored from null", vec![set("change.from", Bson::Null)]),
        ("restored from text", vec![set("change.from", "1")]),
        ("created from 1", vec![set("change.type", "created")]),
        ("deleted", vec![set("change", doc! {"type": "deleted"})]),
        ("a change without a type", vec![set("change", doc! {})]),
        ("a change as text", vec![set("change", "created")]),
        ("no change", vec![unset("change")]),
        ("content an array", vec![set("content", "[]")]),
        ("content not JSON", vec![set("content", "penicillin")]),
        (
            "content of an unknown kind",
            vec![set("content", r#"{"kind":"x_ray","title":"t"}"#)],
        ),
        (
            "content without its kind first",
            vec![set("content", r#"{"title":"t","kind":"clinical_note"}"#)],
        ),
        (
            "content cut short",
            vec![set("content", r#"{"kind":"allergy","substance":"x""#)],
        ),
        (
            "content as a sub-document",
            vec![set("content", doc! {"kind": "allergy"})],
        ),
        ("no content", vec![unset("content")]),
        (
            "content and a newline",
            vec![set(
                "content",
                r#"{"kind":"clinical_note","title":"t","text":"x"}"#.to_owned() + "\n",
            )],
        ),
    ];
    let update = doc! {"$unset": {"change.from": ""}};
    check(
        &s,
        "record_versions",
        &stored,
        copy_version,
        accepted,
        refused,
        update,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prescriptions() {
    let Some(s) = store_with_chart().await else {
        return;
    };
    let rx = Prescription {
        id: PrescriptionId(Uuid::now_v7()),
        patient_id: pid(1),
        prescriber: uid(1),
        medication: Medication {
            name: "amoxicillin".into(),
            rxnorm: Some("723".into()),
        },
        dose: "500 mg".into(),
        route: "oral".into(),
        frequency: "three times daily".into(),
        duration_days: Some(7),
        quantity: 21,
        refills: 0,
        instructions: None,
        status: PrescriptionStatus::Active,
        interactions: vec![],
        override_reason: None,
        created_at: at(9, 0),
        updated_at: at(9, 0),
        version: 1,
    };
    s.create_prescription(&rx, &event("prescription.create"))
        .await
        .unwrap();
    let stored = raw(&s, "prescriptions", doc! {}).await;
    let accepted = vec![
        ("no duration", vec![set("duration_days", Bson::Null)]),
        ("no duration field", vec![unset("duration_days")]),
        ("nothing dispensed", vec![set("quantity", 0_i64)]),
        ("completed", vec![set("status", "completed")]),
    ];
    let refused = vec![
        ("status paused", vec![set("status", "paused")]),
        ("no status", vec![unset("status")]),
        ("quantity -1", vec![set("quantity", -1_i64)]),
        ("no quantity", vec![unset("quantity")]),
        ("refills -1", vec![set("refills", -1_i64)]),
        ("duration -1", vec![set("duration_days", -1_i64)]),
        ("duration as text", vec![set("duration_days", "7")]),
        (
            "interactions a document",
            vec![set("interactions", doc! {})],
        ),
        ("no interactions", vec![unset("interactions")]),
        ("version 0", vec![set("version", 0_i64)]),
    ];
    let update = doc! {"$set": {"refills": -1_i64}};
    check(
        &s,
        "prescriptions",
        &stored,
        new_id,
        accepted,
        refused,
        update,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fees_and_invoices() {
    let Some(s) = store().await else { return };
    let fee = Fee {
        doctor_id: uid(1),
        appointment_type: "consultation".into(),
        amount_minor: 5_000,
        currency: Currency("USD".into()),
        tax_rate_bp: 750,
    };
    s.put_fee(&fee, &event("fee.set")).await.unwrap();
    let stored = raw(&s, "fees", doc! {}).await;
    fn copy_fee(d: &Document, n: i64) -> Document {
        edited(
            new_object_id(d, n),
            &[set("appointment_type", format!("type {n}"))],
        )
    }
    let accepted = vec![
        ("free", vec![set("amount_minor", 0_i64)]),
        ("untaxed", vec![set("tax_rate_bp", 0_i64)]),
        ("in yen", vec![set("currency", "JPY")]),
    ];
    let refused = vec![
        ("a negative amount", vec![set("amount_minor", -1_i64)]),
        ("an amount as text", vec![set("amount_minor", "50.00")]),
        ("no amount", vec![unset("amount_minor")]),
        ("a negative tax rate", vec![set("tax_rate_bp", -750_i64)]),
        ("currency usd", vec![set("currency", "usd")]),
        ("currency US", vec![set("currency", "US")]),
        ("currency USDT", vec![set("currency", "USDT")]),
        ("currency U5D", vec![set("currency", "U5D")]),
        ("currency and a newline", vec![set("currency", "USD\n")]),
        ("no currency", vec![unset("currency")]),
    ];
    let update = doc! {"$set": {"currency": "usd"}};
    check(&s, "fees", &stored, copy_fee, accepted, refused, update).await;

    let a = appt(1, uid(1), pid(1), at(9, 0), 30);
    s.book(&a, at(8, 0), &event("appointment.book"))
        .await
        .unwrap();
    let mut done = a.clone();
    done.status = AppointmentStatus::Completed;
    let line = InvoiceLine {
        description: "consultation".into(),
        quantity: 1,
        unit_amount_minor: 5_000,
        amount_minor: 5_000,
    };
    let invoice = Invoice {
        id: InvoiceId(Uuid::now_v7()),
        appointment_id: a.id,
        patient_id: a.patient_id,
        doctor_id: a.doctor_id,
        currency: Currency("USD".into()),
        lines: vec![line],
        subtotal_minor: 5_000,
        discount_minor: 0,
        tax_minor: 375,
        total_minor: 5_375,
        status: InvoiceStatus::Draft,
        payments: vec![],
        claim: None,
        created_at: at(9, 30),
        issued_at: None,
        paid_at: None,
        updated_at: at(9, 30),
        version: 1,
    };
    s.complete_with_invoice(&done, 1, &invoice, &event("appointment.complete"))
        .await
        .unwrap();
    let stored = raw(&s, "invoices", doc! {}).await;
    fn copy_invoice(d: &Document, n: i64) -> Document {
        edited(new_id(d, n), &[set("appointment_id", new_uuid())])
    }
    let accepted = vec![
        ("void", vec![set("status", "void")]),
        ("in euros", vec![set("currency", "EUR")]),
        ("no lines", vec![set("lines", Bson::Array(vec![]))]),
    ];
    let refused = vec![
        ("currency eur", vec![set("currency", "eur")]),
        ("no currency", vec![unset("currency")]),
        ("status open", vec![set("status", "open")]),
        ("no status", vec![unset("status")]),
        ("lines a document", vec![set("lines", doc! {})]),
        ("no lines", vec![unset("lines")]),
        ("payments null", vec![set("payments", Bson::Null)]),
        ("version 0", vec![set("version", 0_i64)]),
    ];
    let update = doc! {"$set": {"status": "open"}};
    check(
        &s,
        "invoices",
        &stored,
        copy_invoice,
        accepted,
        refused,
        update,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_and_upload_claims() {
    let Some(s) = store_with_chart().await else {
        return;
    };
    let bytes = b"%PDF-1.7\n a scanned report".to_vec();
    let meta = StoredFile {
        id: FileId(Uuid::now_v7()),
        patient_id: pid(1),
        filename: "scan.pdf".into(),
        kind: FileKind::Pdf,
        size: bytes.len() as u64,
        sha256: "ab".repeat(32),
        uploaded_by: uid(1),
        uploaded_at: at(9, 0),
        deleted_at: None,
    };
    s.put_file(&meta, &bytes, &event("file.upload"))
        .await
        .unwrap();
    let stored = raw(&s, "files", doc! {}).await;
    let accepted = vec![
        ("a DICOM file", vec![set("kind", "dicom")]),
        ("an empty file", vec![set("size", 0_i64)]),
    ];
    let refused = vec![
        ("kind gif", vec![set("kind", "gif")]),
        ("kind PDF", vec![set("kind", "PDF")]),
        ("no kind", vec![unset("kind")]),
        ("size -1", vec![set("size", -1_i64)]),
        ("size as text", vec![set("size", "26")]),
        ("an upper-case digest", vec![set("sha256", "AB".repeat(32))]),
        ("a 62-digit digest", vec![set("sha256", "ab".repeat(31))]),
        (
            "a digest with a space",
            vec![set("sha256", "ab".repeat(31) + "a ")],
        ),
        ("no digest", vec![unset("sha256")]),
        (
            "a digest and a newline",
            vec![set("sha256", "ab".repeat(32) + "\n")],
        ),
    ];
    let update = doc! {"$set": {"sha256": "not a digest"}};
    check(&s, "files", &stored, new_id, accepted, refused, update).await;

    // A claim is removed when its upload commits; this one is laid out as the store's
    // claims are (`FileUploadDoc`), as if its upload had stopped half-way.
    let claims = s.database().collection::<Document>("file_uploads");
    let claim =
        doc! {"_id": new_uuid(), "patient_id": new_uuid(), "size": 26_i64, "started_at": date()};
    claims.insert_one(claim.clone()).await.unwrap();
    let accepted = vec![("an empty file", vec![set("size", 0_i64)])];
    let refused = vec![
        ("size -1", vec![set("size", -1_i64)]),
        ("size as text", vec![set("size", "26")]),
        ("no size", vec![unset("size")]),
    ];
    let update = doc! {"$set": {"size": -26_i64}};
    check(
        &s,
        "file_uploads",
        &claim,
        new_id,
        accepted,
        refused,
        update,
    )
    .await;
    assert!(s.file(meta.id).await.unwrap().is_some());
}
