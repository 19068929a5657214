//! Uploaded files against a real MongoDB replica set (`MONGODB_URL`): the shared file-store
//! conformance case, and this backend's own guarantees — bytes really live in the GridFS
//! bucket, survive deletion, are never overwritten or removed by a duplicate upload, and a
//! failed upload leaves no bytes behind.

use crate::support::{at, chart, event, pid, uid};
use bson::{doc, Document};
use futures::io::AsyncReadExt;
use medsync_core::files::{FileKind, StoredFile};
use medsync_core::ids::{FileId, PatientId};
use medsync_core::store::{AuditFilter, AuditStore, FileStore, Page, PatientStore};
use medsync_core::Error;
use medsync_storage_mongo::{testing, MongoStore, FILES_BUCKET};
use mongodb::options::GridFsBucketOptions;
use mongodb::Collection;
use uuid::Uuid;

medsync_core::file_store_suite!(optional: testing::fresh_store_with_files());

/// A fresh store with chart 1, or `None` without a database.
async fn store_with_chart() -> Option<MongoStore> {
    let s = testing::fresh_mongo_store().await?;
    s.create_patient(&chart(1, "Pat Doe", "MRN-1"), &event("patient.create"))
        .await
        .unwrap();
    Some(s)
}

/// `len` bytes of a PDF-looking payload whose content depends on `seed`.
fn payload(len: usize, seed: u8) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..len - bytes.len()).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    bytes
}

/// Metadata of a new file of `bytes` on `patient`.
fn meta(patient: PatientId, bytes: &[u8]) -> StoredFile {
    StoredFile {
        id: FileId(Uuid::now_v7()),
        patient_id: patient,
        filename: "scan.pdf".into(),
        kind: FileKind::Pdf,
        size: bytes.len() as u64,
        sha256: "ab".repeat(32),
        uploaded_by: uid(7),
        uploaded_at: at(9, 0),
        deleted_at: None,
    }
}

/// The bucket's files and chunks collections, and the claims collection.
fn collections(
    s: &MongoStore,
) -> (
    Collection<Document>,
    Collection<Document>,
    Collection<Document>,
) {
    let db = s.database();
    (
        db.collection(&format!("{FILES_BUCKET}.files")),
        db.collection(&format!("{FILES_BUCKET}.chunks")),
        db.collection("file_uploads"),
    )
}

/// The file's bytes read straight from the GridFS bucket, if it has them.
async fn gridfs_bytes(s: &MongoStore, id: FileId) -> Option<Vec<u8>> {
    let bucket = s.database().gridfs_bucket(
        GridFsBucketOptions::builder()
            .bucket_name(FILES_BUCKET.to_owned())
            .build(),
    );
    let mut stream = bucket
        .open_download_stream(bson::Uuid::from(id.0).into())
        .await
        .ok()?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.unwrap();
    Some(bytes)
}

/// How many audit entries have an action starting with `file.`.
async fn file_audits(s: &MongoStore) -> usize {
    let filter = AuditFilter {
        action_prefix: Some("file.".into()),
        ..Default::default()
    };
    s.query_audit(&filter, Page::first(200))
        .await
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_live_in_gridfs_and_survive_deletion() {
    let Some(s) = store_with_chart().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    // Larger than two default chunks (255 KiB), so the file spans three.
    let bytes = payload(600_000, 3);
    let m = meta(pid(1), &bytes);
    s.put_file(&m, &bytes, &event("file.upload")).await.unwrap();

    let (gfiles, chunks, claims) = collections(&s);
    let gid = bson::Uuid::from(m.id.0);
    let gfile = gfiles
        .find_one(doc! {"_id": gid})
        .await
        .unwrap()
        .expect("a GridFS files document under the file's id");
    assert_eq!(gfile.get_i64("length").unwrap(), 600_000);
    assert_eq!(
        chunks
            .count_documents(doc! {"files_id": gid})
            .await
            .unwrap(),
        3
    );
    assert_eq!(gridfs_bytes(&s, m.id).await.as_deref(), Some(&bytes[..]));
    assert_eq!(claims.count_documents(doc! {}).await.unwrap(), 0);
    assert_eq!(s.file(m.id).await.unwrap(), Some(m.clone()));
    assert_eq!(
        s.file_content(m.id).await.unwrap().as_deref(),
        Some(&bytes[..])
    );
    assert_eq!(
        s.files_for_patient(pid(1), false).await.unwrap(),
        vec![m.clone()]
    );

    let deleted = s
        .delete_file(m.id, at(10, 0), &event("file.delete"))
        .await
        .unwrap();
    assert_eq!(deleted.deleted_at, Some(at(10, 0)));
    let again = s
        .delete_file(m.id, at(11, 0), &event("file.delete"))
        .await
        .unwrap();
    assert_eq!(again.deleted_at, Some(at(10, 0)), "deletion is idempotent");

    assert!(s.files_for_patient(pid(1), false).await.unwrap().is_empty());
    assert_eq!(
        s.files_for_patient(pid(1), true).await.unwrap(),
        vec![deleted.clone()]
    );
    assert_eq!(s.file(m.id).await.unwrap(), Some(deleted));
    assert!(gfiles.find_one(doc! {"_id": gid}).await.unwrap().is_some());
    assert_eq!(
        chunks
            .count_documents(doc! {"files_id": gid})
            .await
            .unwrap(),
        3
    );
    assert_eq!(gridfs_bytes(&s, m.id).await.as_deref(), Some(&bytes[..]));
    assert_eq!(
        s.file_content(m.id).await.unwrap().as_deref(),
        Some(&bytes[..]),
        "bytes retained after deletion"
    );
    assert_eq!(
        file_audits(&s).await,
        3,
        "upload and both deletions audited"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_id_conflicts_and_never_touches_the_stored_bytes() {
    let Some(s) = store_with_chart().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    let bytes = payload(300_000, 1);
    let m = meta(pid(1), &bytes);
    s.put_file(&m, &bytes, &event("file.upload")).await.unwrap();

    let other = payload(1_000, 2);
    let mut dup = meta(pid(1), &other);
    dup.id = m.id;
    let err = s
        .put_file(&dup, &other, &event("file.upload"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
    assert_eq!(s.file(m.id).await.unwrap(), Some(m.clone()));
    assert_eq!(
        s.file_content(m.id).await.unwrap().as_deref(),
        Some(&bytes[..])
    );

    // Racing uploads of one new id: exactly one wins, and its bytes are the stored ones.
    let id = FileId(Uuid::now_v7());
    let racers: Vec<_> = (0..4u8)
        .map(|n| {
            let s = s.clone();
            tokio::spawn(async move {
                let bytes = payload(270_000 + usize::from(n) * 1_000, n + 10);
                let mut m = meta(pid(1), &bytes);
                m.id = id;
                let outcome = s.put_file(&m, &bytes, &event("file.upload")).await;
                (outcome, bytes)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for racer in racers {
        match racer.await.unwrap() {
            (Ok(()), bytes) => winners.push(bytes),
            (Err(Error::Conflict { .. }), _) => {}
            (Err(e), _) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one upload of the id wins");
    assert_eq!(
        s.file_content(id).await.unwrap().as_ref(),
        Some(&winners[0])
    );
    assert_eq!(gridfs_bytes(&s, id).await.as_ref(), Some(&winners[0]));

    let (_, _, claims) = collections(&s);
    assert_eq!(claims.count_documents(doc! {}).await.unwrap(), 0);
    assert_eq!(
        file_audits(&s).await,
        2,
        "only the successful uploads are audited"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_upload_leaves_no_bytes_and_stray_bytes_are_not_a_file() {
    let Some(s) = store_with_chart().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    let (gfiles, chunks, claims) = collections(&s);

    // The metadata transaction fails (unknown chart) after the bytes were written.
    let bytes = payload(400_000, 5);
    let mut m = meta(pid(404), &bytes);
    let err = s
        .put_file(&m, &bytes, &event("file.upload"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let gid = bson::Uuid::from(m.id.0);
    assert!(gfiles.find_one(doc! {"_id": gid}).await.unwrap().is_none());
    assert_eq!(
        chunks
            .count_documents(doc! {"files_id": gid})
            .await
            .unwrap(),
        0
    );
    assert_eq!(claims.count_documents(doc! {}).await.unwrap(), 0);
    assert_eq!(s.file(m.id).await.unwrap(), None);
    assert_eq!(file_audits(&s).await, 0);

    // The id was released: the upload succeeds on an existing chart.
    m.patient_id = pid(1);
    s.put_file(&m, &bytes, &event("file.upload")).await.unwrap();
    assert_eq!(
        s.file_content(m.id).await.unwrap().as_deref(),
        Some(&bytes[..])
    );

    // Bytes in the bucket without metadata (an upload in flight) are not served.
    let stray = FileId(Uuid::now_v7());
    let bucket = s.database().gridfs_bucket(
        GridFsBucketOptions::builder()
            .bucket_name(FILES_BUCKET.to_owned())
            .build(),
    );
    let mut up = bucket
        .open_upload_stream("stray")
        .id(bson::Uuid::from(stray.0).into())
        .await
        .unwrap();
    futures::io::AsyncWriteExt::write_all(&mut up, b"%PDF-1.7 stray")
        .await
        .unwrap();
    futures::io::AsyncWriteExt::close(&mut up).await.unwrap();
    assert_eq!(s.file_content(stray).await.unwrap(), None);

    // Unknown ids.
    let unknown = FileId(Uuid::now_v7());
    assert_eq!(s.file(unknown).await.unwrap(), None);
    assert_eq!(s.file_content(unknown).await.unwrap(), None);
    let err = s
        .delete_file(unknown, at(10, 0), &event("file.delete"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}
