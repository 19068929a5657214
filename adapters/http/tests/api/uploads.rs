//! Report uploads and downloads: sniffing, size limits, scanning, ownership.

use reqwest::Method;
use serde_json::json;

use crate::clinic::*;
use crate::support::*;

const LIMIT: usize = 64 * 1024;

async fn small_limit_server() -> Server {
    start_with(Options {
        config: Some(medsync_http::HttpConfig {
            max_upload_bytes: LIMIT,
            ..quiet_config()
        }),
        ..Options::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_upload_list_download_delete() {
    let s = small_limit_server().await;
    let alice = s.patient("up-alice@mail.example").await;
    let chart = alice.patient_id.clone().unwrap();
    let reports = format!("/api/patients/{chart}/reports");

    let r = upload(&s, &reports, &alice.token, "blood test.pdf", PDF, &[]).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["patient_id"], chart.as_str());
    assert_eq!(r.body["filename"], "blood test.pdf");
    assert_eq!(r.body["content_type"], "application/pdf");
    assert_eq!(r.body["size"], PDF.len());
    assert_eq!(r.body["sha256"], PDF_SHA256);
    assert!(r.body["uploaded_at"].is_string());
    let file = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.header("location"),
        Some(format!("{reports}/{file}").as_str())
    );

    // Listed under both paths.
    for path in [reports.clone(), format!("/api/records/{chart}")] {
        let r = s.get(&path, &alice.token).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body[0]["id"], file.as_str(), "{path}");
    }

    // Downloaded byte for byte under both paths, as an attachment that is never sniffed.
    for path in [format!("{reports}/{file}"), format!("/api/files/{file}")] {
        let (status, headers, bytes) = download(&s, &path, &alice.token).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(bytes, PDF);
        assert_eq!(headers["content-type"], "application/pdf");
        assert_eq!(
            headers["content-disposition"],
            "attachment; filename=\"blood test.pdf\""
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
    }

    // The alias upload names the chart in a field.
    let r = upload(
        &s,
        "/api/records/upload",
        &alice.token,
        "x.pdf",
        PDF,
        &[("patient_id", &chart)],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["sha256"], PDF_SHA256);
    let r = upload(&s, "/api/records/upload", &alice.token, "x.pdf", PDF, &[]).await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["patient_id"]);
    let r = upload(&s, &reports, &alice.token, "x.pdf", PDF, &[("note", "hi")]).await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["note"]);

    // The type comes from the bytes: HTML named .pdf is refused; so is a non-multipart body.
    let html = b"<html><script>alert(document.cookie)</script></html>";
    let r = upload(&s, &reports, &alice.token, "report.pdf", html, &[]).await;
    r.assert_problem(415);
    let r = send(
        &s,
        Method::POST,
        &reports,
        &alice.token,
        Some(json!({ "file": "x" })),
        &[],
    )
    .await;
    r.assert_problem(415);

    // The scanner refuses the EICAR test file, even inside a PDF.
    let infected = [b"%PDF-1.4\n".as_slice(), EICAR].concat();
    let r = upload(&s, &reports, &alice.token, "eicar.pdf", &infected, &[]).await;
    r.assert_problem(422);
    assert_eq!(r.fields(), ["file"]);

    // Another patient gets nothing, whichever path they try.
    let mallory = s.patient("up-mallory@mail.example").await;
    let their_chart = mallory.patient_id.clone().unwrap();
    for path in [
        format!("/api/files/{file}"),
        format!("{reports}/{file}"),
        format!("/api/patients/{their_chart}/reports/{file}"),
        reports.clone(),
    ] {
        let (status, _, bytes) = download(&s, &path, &mallory.token).await;
        assert!(matches!(status.as_u16(), 403 | 404), "{path}: {status}");
        assert!(!bytes.starts_with(b"%PDF"), "{path}");
    }
    let r = upload(&s, &reports, &mallory.token, "x.pdf", PDF, &[]).await;
    r.assert_problem(403);
    // Alice's file under Mallory's chart path is not found, even for Alice.
    s.get(
        &format!("/api/patients/{their_chart}/reports/{file}"),
        &alice.token,
    )
    .await
    .assert_problem(404);

    // Deleting: the wrong chart is 404; then the file leaves listings and downloads.
    let wrong = format!("/api/patients/{their_chart}/reports/{file}");
    let r = s
        .call(Method::DELETE, &wrong, Some(&mallory.token), None)
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = s
        .call(
            Method::DELETE,
            &format!("{reports}/{file}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    s.get(&format!("/api/files/{file}"), &alice.token)
        .await
        .assert_problem(404);
    let r = s.get(&reports, &alice.token).await;
    assert!(r
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["id"] != file.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_uploads_are_cut_off() {
    let s = small_limit_server().await;
    let pat = s.patient("up-big@mail.example").await;
    let reports = format!("/api/patients/{}/reports", pat.patient_id.unwrap());

    // Just over the limit with a declared length: refused before reading.
    let big = [b"%PDF-1.4\n".as_slice(), &vec![b'A'; LIMIT]].concat();
    let r = upload(&s, &reports, &pat.token, "big.pdf", &big, &[]).await;
    r.assert_problem(413);
    // Exactly at the limit is fine.
    let fits = [b"%PDF-1.4\n".as_slice(), &vec![b'A'; LIMIT - 9]].concat();
    let r = upload(&s, &reports, &pat.token, "fits.pdf", &fits, &[]).await;
    assert_eq!(r.status, 201, "{}", r.text);

    // Streamed without a length: the server answers 413 long before the client is done
    // sending 128 MiB, so it never buffered the body.
    let total = 128 * 1024 * 1024;
    let (head, written) = stream_upload(&s, &reports, &pat.token, total).await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("application/problem+json"),
        "{head}"
    );
    assert!(written < total / 4, "the server read {written} bytes");
    // The server is still fine.
    let r = s.get(&reports, &pat.token).await;
    assert_eq!(r.status, 200);
}
