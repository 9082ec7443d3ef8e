//! Ed25519 signing of the toggles payload, with key ids so keys can rotate: the first
//! key of the key file signs, every key in it is published (plugins keep verifying
//! answers signed before a rotation).
//!
//! Key file (`INGEST_SIGNING_KEYS_FILE`): one `key_id base64(32-byte seed)` per line.
//! Without one, an ephemeral key is generated at start (development only: plugins
//! would have to refetch the public key after every restart).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use serde::Serialize;

pub struct ToggleSigner {
    keys: Vec<(String, SigningKey)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicKey {
    pub key_id: String,
    pub algorithm: &'static str,
    /// base64 of the 32-byte Ed25519 public key.
    pub public_key: String,
}

/// A payload with its detached signature.
#[derive(Debug, Clone, Serialize)]
pub struct Signed {
    pub payload: String,
    pub signature: String,
    pub key_id: String,
    pub algorithm: &'static str,
}

impl ToggleSigner {
    pub fn from_file(path: Option<&std::path::Path>) -> anyhow::Result<Self> {
        let Some(path) = path else {
            tracing::warn!(
                "INGEST_SIGNING_KEYS_FILE not set: signing toggles with an ephemeral key"
            );
            let key = SigningKey::generate(&mut rand::rngs::OsRng);
            return Ok(Self {
                keys: vec![("ephemeral".into(), key)],
            });
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read signing keys {}: {e}", path.display()))?;
        let mut keys = Vec::new();
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        {
            let (id, seed) = line.split_once(char::is_whitespace).ok_or_else(|| {
                anyhow::anyhow!("signing keys line {}: expected `key_id base64_seed`", n + 1)
            })?;
            let seed: [u8; 32] = B64
                .decode(seed.trim())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "signing keys line {}: the seed must be 32 bytes of base64",
                        n + 1
                    )
                })?;
            keys.push((id.to_owned(), SigningKey::from_bytes(&seed)));
        }
        anyhow::ensure!(
            !keys.is_empty(),
            "signing keys file {} holds no key",
            path.display()
        );
        Ok(Self { keys })
    }

    pub fn sign(&self, payload: String) -> Signed {
        let (key_id, key) = &self.keys[0];
        Signed {
            signature: B64.encode(key.sign(payload.as_bytes()).to_bytes()),
            payload,
            key_id: key_id.clone(),
            algorithm: "Ed25519",
        }
    }

    pub fn public_keys(&self) -> Vec<PublicKey> {
        self.keys
            .iter()
            .map(|(id, k)| PublicKey {
                key_id: id.clone(),
                algorithm: "Ed25519",
                public_key: B64.encode(k.verifying_key().to_bytes()),
            })
            .collect()
    }
}

/// A new key file line (for `ingest signing-key`).
pub fn generate_line(key_id: &str) -> String {
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    format!("{key_id} {}", B64.encode(key.to_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};

    #[test]
    fn signs_with_the_first_key_and_publishes_all() {
        let dir = std::env::temp_dir().join(format!("keys-{}", std::process::id()));
        std::fs::write(
            &dir,
            format!("{}\n{}\n", generate_line("k2"), generate_line("k1")),
        )
        .expect("write");
        let signer = ToggleSigner::from_file(Some(&dir)).expect("keys");
        let signed = signer.sign("{\"a\":1}".into());
        assert_eq!(signed.key_id, "k2");
        let public = signer.public_keys();
        assert_eq!(
            public.iter().map(|k| k.key_id.as_str()).collect::<Vec<_>>(),
            ["k2", "k1"]
        );
        let bytes: [u8; 32] = B64
            .decode(&public[0].public_key)
            .expect("b64")
            .try_into()
            .expect("32");
        let sig: [u8; 64] = B64
            .decode(&signed.signature)
            .expect("b64")
            .try_into()
            .expect("64");
        let key = VerifyingKey::from_bytes(&bytes).expect("key");
        assert!(key
            .verify(signed.payload.as_bytes(), &Signature::from_bytes(&sig))
            .is_ok());
        assert!(key
            .verify(b"{\"a\":2}", &Signature::from_bytes(&sig))
            .is_err());
        let _ = std::fs::remove_file(dir);
    }
}
