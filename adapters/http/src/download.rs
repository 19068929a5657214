//! Responses that are files: bytes with their type, `Content-Disposition: attachment` and
//! `X-Content-Type-Options: nosniff`.

use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};

/// A file to download.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// The media type served (decided by the server, never echoed from a client).
    pub content_type: &'static str,
    /// The suggested file name (any text: it is quoted safely).
    pub filename: String,
    /// The content.
    pub bytes: Vec<u8>,
}

impl IntoResponse for Attachment {
    fn into_response(self) -> Response {
        (
            [
                (CONTENT_TYPE, HeaderValue::from_static(self.content_type)),
                (CONTENT_DISPOSITION, content_disposition(&self.filename)),
                (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            ],
            self.bytes,
        )
            .into_response()
    }
}

/// `attachment; filename="<ascii>"`, plus RFC 5987 `filename*=UTF-8''<percent-encoded>`
/// when the name is not plain ASCII. In the quoted form, quotes, backslashes, control and
/// non-ASCII characters become `_`, so the header can neither break out of the quotes nor
/// inject another parameter or header.
pub fn content_disposition(filename: &str) -> HeaderValue {
    let ascii: String = filename
        .chars()
        .map(|c| match c {
            '"' | '\\' => '_',
            c if c.is_ascii() && !c.is_ascii_control() => c,
            _ => '_',
        })
        .collect();
    let escaped = ascii != filename;
    let ascii = if ascii.trim().is_empty() {
        "download"
    } else {
        ascii.as_str()
    };
    let mut value = format!("attachment; filename=\"{ascii}\"");
    if escaped {
        value.push_str("; filename*=UTF-8''");
        for b in filename.bytes() {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                value.push(char::from(b));
            } else {
                value.push_str(&format!("%{b:02X}"));
            }
        }
    }
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_safely() {
        assert_eq!(
            content_disposition("scan.pdf"),
            "attachment; filename=\"scan.pdf\""
        );
        assert_eq!(
            content_disposition("a\"b\\c\r\nSet-Cookie: x.pdf"),
            "attachment; filename=\"a_b_c__Set-Cookie: x.pdf\"; \
             filename*=UTF-8''a%22b%5Cc%0D%0ASet-Cookie%3A%20x.pdf"
        );
        assert_eq!(
            content_disposition("résumé.pdf"),
            "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
        );
        assert_eq!(content_disposition(""), "attachment; filename=\"download\"");
    }
}
