//! Bearer secrets (merchant API keys, ops agent tokens): generated here, shown once,
//! stored as SHA-256 plus a short visible prefix.
//!
//! Secrets carry 190 bits of randomness, so a fast hash is the right tool (as for GitHub
//! tokens): a slow password hash would only make every request expensive. Lookups go
//! through a unique index on the hash, so timing reveals nothing usable about a secret.

use rand::{distributions::Alphanumeric, Rng};
use sha2::{Digest, Sha256};

const RANDOM_CHARS: usize = 32;
/// Characters kept in clear so people can tell secrets apart.
pub const VISIBLE_CHARS: usize = 12;

pub fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// A new secret: `prefix` (which says what it is, e.g. `ptk_`) and 32 random characters.
pub fn generate(prefix: &str) -> String {
    let random: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(RANDOM_CHARS)
        .map(char::from)
        .collect();
    format!("{prefix}{random}")
}

/// The part of a secret that may be shown and stored in clear.
pub fn visible(secret: &str) -> &str {
    secret.get(..VISIBLE_CHARS).unwrap_or(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_have_the_documented_shape() {
        let a = generate("ptk_");
        assert!(a.starts_with("ptk_"));
        assert_eq!(a.len(), 4 + RANDOM_CHARS);
        assert_ne!(a, generate("ptk_"));
        assert_eq!(hash(&a), hash(&a.clone()));
        assert_eq!(visible(&a).len(), VISIBLE_CHARS);
    }
}
