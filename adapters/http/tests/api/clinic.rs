//! Helpers of the clinical tests: staff and caregiver accounts, care teams, requests with
//! extra headers, multipart uploads, raw downloads and a hand-written streaming upload.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::support::*;

/// A small, valid-looking PDF (SHA-256 [`PDF_SHA256`]).
pub const PDF: &[u8] = b"%PDF-1.4\n% MedSync test report\n1 0 obj << /Type /Catalog >> endobj\n\
trailer << /Root 1 0 R >>\n%%EOF\n";
/// `sha256sum` of [`PDF`].
pub const PDF_SHA256: &str = "36d2f7bb95aae039ddc85bfb5881d88d146421d1d6c2847b1510c51c169a5cc8";
/// The EICAR anti-virus test string.
pub const EICAR: &[u8] = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/// Registers a `role` account (doctor or nurse), has the admin approve it and logs it in.
pub async fn staff(s: &Server, email: &str, role: &str) -> Account {
    let r = s
        .post(
            "/api/auth/register",
            None,
            json!({ "name": format!("Staff {email}"), "email": email, "password": PASSWORD,
                    "role": role, "specialization": "Internal medicine" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().expect("id").to_owned();
    let admin = s.admin().await;
    let r = s
        .call(
            Method::PATCH,
            &format!("/api/admin/users/{id}"),
            Some(&admin.token),
            Some(json!({ "status": "active" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.session(email).await
}

/// Registers and logs in a caregiver.
pub async fn caregiver(s: &Server, email: &str) -> Account {
    let r = s
        .post(
            "/api/auth/register",
            None,
            json!({ "name": "Carey Giver", "email": email, "password": PASSWORD,
                    "role": "caregiver" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    s.session(email).await
}

/// The admin puts `member` on the care team of `chart`.
pub async fn assign(s: &Server, chart: &str, member: &Account) {
    let admin = s.admin().await;
    let path = format!("/api/patients/{chart}/care-team/{}", member.id);
    let r = s.call(Method::PUT, &path, Some(&admin.token), None).await;
    assert_eq!(r.status, 204, "{}", r.text);
}

/// `method path` with a bearer token, optional JSON body and extra headers.
pub async fn send(
    s: &Server,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut req = s.client.request(method, s.url(path)).bearer_auth(token);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    read(req.send().await.expect("request")).await
}

/// A multipart upload: a `file` part plus text fields.
pub async fn upload(
    s: &Server,
    path: &str,
    token: &str,
    filename: &str,
    bytes: &[u8],
    fields: &[(&str, &str)],
) -> Reply {
    let part = reqwest::multipart::Part::bytes(bytes.to_vec())
        .file_name(filename.to_owned())
        .mime_str("application/pdf")
        .expect("mime");
    let mut form = reqwest::multipart::Form::new().part("file", part);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let res = s
        .client
        .post(s.url(path))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    read(res).await
}

/// A download: status, headers and the raw bytes.
pub async fn download(
    s: &Server,
    path: &str,
    token: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let res = s
        .client
        .get(s.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("download");
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, res.bytes().await.expect("body").to_vec())
}

/// Streams a multipart upload of a PDF-looking file of `total` bytes with chunked transfer
/// encoding (no `Content-Length`), 16 KiB at a time, and stops as soon as the server has
/// answered. Returns the response head and how many file bytes were written by then.
pub async fn stream_upload(s: &Server, path: &str, token: &str, total: usize) -> (String, usize) {
    let stream = TcpStream::connect(s.addr).await.expect("connect");
    let (mut rd, mut wr) = stream.into_split();
    let boundary = "medsync-test-boundary";
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\n\
         Transfer-Encoding: chunked\r\n\r\n",
        s.addr
    );
    wr.write_all(head.as_bytes()).await.expect("head");
    let mut reader = tokio::spawn(async move {
        let mut buf = Vec::new();
        let mut tmp = [0u8; 4096];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            match rd.read(&mut tmp).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&tmp[..n]),
            }
        }
        String::from_utf8_lossy(&buf).into_owned()
    });
    let preamble = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    );
    let frame = |data: &[u8]| {
        let mut f = format!("{:x}\r\n", data.len()).into_bytes();
        f.extend_from_slice(data);
        f.extend_from_slice(b"\r\n");
        f
    };
    let _ = wr.write_all(&frame(preamble.as_bytes())).await;
    let chunk = frame(&[b'A'; 16 * 1024]);
    let mut written = 0;
    let mut response = None;
    while written < total {
        tokio::select! {
            r = &mut reader => { response = Some(r.expect("reader")); break; }
            w = wr.write_all(&chunk) => {
                if w.is_err() { break; }
                written += 16 * 1024;
            }
        }
    }
    let response = match response {
        Some(r) => r,
        None => tokio::time::timeout(std::time::Duration::from_secs(30), reader)
            .await
            .expect("a response within 30 s")
            .expect("reader"),
    };
    (response, written)
}
