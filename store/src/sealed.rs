//! Secrets at rest (merchants' webhook signing secrets and Slack URLs): sealed with
//! XChaCha20-Poly1305 under a key read from a file, so a database dump or backup does
//! not leak them. The sealed form is `nonce (24 bytes) || ciphertext`.

use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const NONCE_LEN: usize = 24;

pub struct SecretBox {
    cipher: XChaCha20Poly1305,
    /// The decoded key, only ever used through `derive`.
    key: [u8; 32],
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("secrets key file {0}: {1}")]
    KeyFile(String, String),
    #[error("a sealed secret could not be opened (wrong key or damaged)")]
    Open,
}

impl SecretBox {
    /// The key file holds 32 random bytes, base64 (`openssl rand -base64 32`).
    pub fn from_file(path: &Path) -> Result<Self, SealError> {
        let fail = |m: String| SealError::KeyFile(path.display().to_string(), m);
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let key = STANDARD
            .decode(text.trim())
            .map_err(|_| fail("not base64".into()))?;
        let key: [u8; 32] = key
            .try_into()
            .map_err(|k: Vec<u8>| fail(format!("{} bytes, need 32", k.len())))?;
        Ok(Self {
            cipher: XChaCha20Poly1305::new_from_slice(&key).map_err(|e| fail(e.to_string()))?,
            key,
        })
    }

    /// A key for another purpose (e.g. acknowledgement links), derived from the
    /// sealing key with HKDF-SHA256 under `purpose`: never the sealing key itself, and
    /// independent of how the key file is spelled (trailing newline or not).
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's 8,160-byte limit: expand cannot fail.
        let _ =
            hkdf::Hkdf::<sha2::Sha256>::new(None, &self.key).expand(purpose.as_bytes(), &mut out);
        out
    }

    pub fn seal(&self, secret: &str) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        // Encryption with a fresh nonce cannot fail for inputs this small.
        let mut out = nonce.to_vec();
        out.extend(
            self.cipher
                .encrypt(&nonce, secret.as_bytes())
                .unwrap_or_default(),
        );
        out
    }

    pub fn open(&self, sealed: &[u8]) -> Result<String, SealError> {
        if sealed.len() <= NONCE_LEN {
            return Err(SealError::Open);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| SealError::Open)?;
        String::from_utf8(plain).map_err(|_| SealError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed(bytes: u8) -> SecretBox {
        // A file of its own per call: tests run in parallel and two of them use the
        // same key bytes (a name by pid and bytes let one remove the other's file).
        let dir = std::env::temp_dir().join(format!("sealed-{}", uuid::Uuid::new_v4()));
        std::fs::write(&dir, STANDARD.encode([bytes; 32])).unwrap();
        let b = SecretBox::from_file(&dir).unwrap();
        std::fs::remove_file(dir).unwrap();
        b
    }

    #[test]
    fn seals_and_opens_and_refuses_another_key() {
        let b = keyed(7);
        let sealed = b.seal("whsec_abc");
        assert!(!sealed.windows(9).any(|w| w == b"whsec_abc"));
        assert_eq!(b.open(&sealed).unwrap(), "whsec_abc");
        assert_ne!(b.seal("whsec_abc"), sealed, "nonces must differ");
        assert!(keyed(8).open(&sealed).is_err());
        assert!(b.open(&sealed[..10]).is_err());
    }

    /// Defect (issue 16.10): acknowledgement links were keyed with the key file's raw
    /// bytes, so a trailing newline added to the file broke every link sent.
    #[test]
    fn derived_keys_ignore_the_files_spelling_and_differ_by_purpose() {
        let dir = std::env::temp_dir().join(format!("sealed-nl-{}", std::process::id()));
        std::fs::write(&dir, format!("{}\n", STANDARD.encode([7u8; 32]))).unwrap();
        let with_newline = SecretBox::from_file(&dir).unwrap();
        std::fs::remove_file(dir).unwrap();
        let b = keyed(7);
        assert_eq!(with_newline.derive("ack"), b.derive("ack"));
        assert_ne!(b.derive("ack"), b.derive("unsubscribe"));
        assert_ne!(b.derive("ack"), [7u8; 32], "never the sealing key itself");
        assert_ne!(keyed(8).derive("ack"), b.derive("ack"));
    }
}
