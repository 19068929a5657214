//! Conformance cases for a [`FileStore`], run with [`file_store_suite!`](crate::file_store_suite).

use std::sync::Arc;

use crate::error::Error;
use crate::files::FileKind;
use crate::identity::Role;
use crate::store::{FileStore, Store};
use crate::testkit::fixture::Fixture;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";

/// Upload, list, download, delete: sniffed type, hash, size limit, scanner, access control,
/// audit, and deletion that hides without destroying.
pub async fn files_are_sniffed_scanned_and_never_destroyed(
    store: Arc<dyn Store>,
    files: Arc<dyn FileStore>,
) {
    let f = Fixture::with_files(store, files.clone()).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let q = f.patient("Quinn Roe").await;
    let meta = f
        .svc
        .upload_file(&p.actor, p.chart, "../../scan.pdf", PDF)
        .await
        .unwrap();
    assert_eq!(
        (meta.kind, meta.filename.as_str(), meta.size),
        (FileKind::Pdf, "scan.pdf", PDF.len() as u64)
    );
    assert_eq!(meta.sha256.len(), 64);
    let (m2, bytes) = f.svc.download_file(&p.actor, meta.id).await.unwrap();
    assert_eq!((m2, bytes.as_slice()), (meta.clone(), PDF));
    assert_eq!(
        f.svc.list_files(&p.actor, p.chart).await.unwrap(),
        vec![meta.clone()]
    );

    // Disguised, oversize, empty and infected uploads are refused and nothing is stored.
    let html = f
        .svc
        .upload_file(
            &p.actor,
            p.chart,
            "report.pdf",
            b"<html><script>x</script></html>",
        )
        .await;
    assert!(
        matches!(html, Err(Error::UnsupportedMediaType(_))),
        "{html:?}"
    );
    let big = vec![b'%'; (f.svc.config().max_upload_bytes + 1) as usize];
    assert!(matches!(
        f.svc.upload_file(&p.actor, p.chart, "big.pdf", &big).await,
        Err(Error::PayloadTooLarge { .. })
    ));
    assert_eq!(
        f.svc
            .upload_file(&p.actor, p.chart, "e.pdf", b"")
            .await
            .unwrap_err()
            .field_errors()[0]
            .field,
        "file"
    );
    let mut eicar = PDF.to_vec();
    eicar.extend_from_slice(
        b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    );
    let infected = f
        .svc
        .upload_file(&p.actor, p.chart, "e.pdf", &eicar)
        .await
        .unwrap_err();
    assert!(
        infected.field_errors()[0].message.contains("EICAR"),
        "{infected:?}"
    );
    assert_eq!(
        files.files_for_patient(p.chart, true).await.unwrap().len(),
        1
    );

    // Access control.
    assert!(matches!(
        f.svc.download_file(&q.actor, meta.id).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        f.svc.upload_file(&q.actor, p.chart, "x.pdf", PDF).await,
        Err(Error::Forbidden(_))
    ));
    assert!(
        f.svc.download_file(&d.actor, meta.id).await.is_err(),
        "no care-team relationship yet"
    );
    let nurse = f.user("Nina Nurse", Role::Nurse).await;
    f.svc
        .assign_care_team(&f.admin, p.chart, nurse.user_id)
        .await
        .unwrap();
    f.svc
        .download_file(&nurse, meta.id)
        .await
        .expect("care-team nurse reads files");
    assert!(matches!(
        f.svc.delete_file(&nurse, meta.id).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        f.svc.delete_file(&q.actor, meta.id).await,
        Err(Error::Forbidden(_))
    ));

    // The uploader deletes: hidden, not destroyed.
    let deleted = f.svc.delete_file(&p.actor, meta.id).await.unwrap();
    assert!(deleted.deleted_at.is_some());
    assert!(matches!(
        f.svc.download_file(&p.actor, meta.id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(f
        .svc
        .list_files(&p.actor, p.chart)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        files.file_content(meta.id).await.unwrap().as_deref(),
        Some(PDF),
        "bytes retained"
    );

    let log = f
        .svc
        .audit_log(
            &f.admin,
            &Default::default(),
            crate::store::Page::first(200),
        )
        .await
        .unwrap();
    for action in ["file.upload", "file.download", "file.delete"] {
        assert!(
            log.iter().any(|e| e.event.action == action),
            "{action} audited"
        );
    }
    assert!(f.svc.verify_audit_chain().await.unwrap().ok);
}
