use super::FileKind;

/// Decides a file's type from its first bytes: PDF (`%PDF-`), PNG (8-byte signature), JPEG
/// (`FF D8 FF`), DICOM (`DICM` at offset 128). `None` for anything else.
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if bytes.starts_with(PNG) {
        Some(FileKind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if bytes.get(128..132) == Some(b"DICM".as_slice()) {
        Some(FileKind::Dicom)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_kind_and_nothing_else() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(FileKind::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some(FileKind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(FileKind::Jpeg));
        let mut dicom = vec![0u8; 128];
        dicom.extend_from_slice(b"DICM\x02\x00");
        assert_eq!(sniff(&dicom), Some(FileKind::Dicom));
        assert_eq!(sniff(b"<html><script>alert(1)</script>"), None);
        assert_eq!(
            sniff(b"MZ\x90\x00"),
            None,
            "an executable is not a PDF whatever its name"
        );
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"%PD"), None);
    }
}
