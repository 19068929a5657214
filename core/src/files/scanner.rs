use async_trait::async_trait;

use crate::error::Result;

/// What a scanner says about a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanVerdict {
    /// Nothing found.
    Clean,
    /// Malware or policy violation found; the file is refused.
    Infected {
        /// The signature or rule that matched.
        signature: String,
    },
}

/// Scans uploads before they are stored (ClamAV, a cloud scanner …). A scanner error refuses
/// the upload rather than storing an unscanned file.
#[async_trait]
pub trait FileScanner: Send + Sync + 'static {
    /// Scans `bytes`.
    async fn scan(&self, bytes: &[u8]) -> Result<ScanVerdict>;
}

/// The built-in scanner: detects the EICAR anti-virus test file anywhere in the upload.
/// Production deployments plug in a real engine; this one proves the wiring end to end.
#[derive(Debug, Default, Clone, Copy)]
pub struct EicarScanner;

const EICAR: &[u8] = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

#[async_trait]
impl FileScanner for EicarScanner {
    async fn scan(&self, bytes: &[u8]) -> Result<ScanVerdict> {
        let found = bytes.windows(EICAR.len()).any(|w| w == EICAR);
        Ok(if found {
            ScanVerdict::Infected {
                signature: "EICAR-Test-File".into(),
            }
        } else {
            ScanVerdict::Clean
        })
    }
}
