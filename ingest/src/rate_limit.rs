//! Token buckets per source address and per API key (the key's limit depends on its
//! merchant's tier), so one flooding shop or key slows nobody else. Over its limit a
//! request gets 429 `rate_limited` with Retry-After and RateLimit-* headers, before any
//! work is done for it (the layer that applies them: `routes/rate_limit_layer.rs`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;

use runtime::rate_limit::TokenBuckets;
use uuid::Uuid;

pub use runtime::rate_limit::{Limit, Limited};

/// `tier=rate:burst,…`; the tier `standard` is the default for unknown tiers.
pub fn parse_tiers(s: &str) -> Result<HashMap<String, Limit>, String> {
    let tiers: HashMap<String, Limit> = s
        .split(',')
        .filter(|t| !t.trim().is_empty())
        .map(|t| {
            let (name, limit) = t
                .split_once('=')
                .ok_or_else(|| format!("{t:?}: expected tier=rate:burst"))?;
            Ok((name.trim().to_owned(), limit.parse()?))
        })
        .collect::<Result<_, String>>()?;
    if !tiers.contains_key("standard") {
        return Err("INGEST_RATE_LIMIT_TIERS must define the standard tier".into());
    }
    Ok(tiers)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Subject {
    Address(IpAddr),
    Key(Uuid),
}

pub struct RateLimiter {
    per_address: Limit,
    tiers: HashMap<String, Limit>,
    buckets: TokenBuckets<Subject>,
}

impl RateLimiter {
    pub fn new(per_address: Limit, tiers: HashMap<String, Limit>) -> Self {
        Self {
            per_address,
            tiers,
            buckets: TokenBuckets::default(),
        }
    }

    fn tier(&self, tier: &str) -> Limit {
        self.tiers
            .get(tier)
            .or_else(|| self.tiers.get("standard"))
            .copied()
            .unwrap_or(Limit {
                per_sec: 50.0,
                burst: 500.0,
            })
    }

    fn take(&self, subject: Subject, limit: Limit, now: Instant) -> Result<(), Limited> {
        self.buckets.take(subject, limit, now)
    }

    pub fn address(&self, ip: IpAddr, now: Instant) -> Result<(), Limited> {
        self.take(Subject::Address(ip), self.per_address, now)
    }

    pub fn key(&self, key_id: Uuid, tier: &str, now: Instant) -> Result<(), Limited> {
        self.take(Subject::Key(key_id), self.tier(tier), now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn limiter() -> RateLimiter {
        RateLimiter::new(
            "100:5".parse().unwrap(),
            parse_tiers("standard=10:3,enterprise=100:50").unwrap(),
        )
    }

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_its_rate() {
        let l = limiter();
        let key = Uuid::new_v4();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.key(key, "standard", t0).is_ok());
        }
        let refused = l.key(key, "standard", t0).unwrap_err();
        assert!(refused.retry_after <= Duration::from_millis(100));
        assert!(l
            .key(key, "standard", t0 + Duration::from_millis(100))
            .is_ok());
        // Another key is not affected, nor the source address's bucket.
        assert!(l.key(Uuid::new_v4(), "standard", t0).is_ok());
        assert!(l.address("127.0.0.1".parse().unwrap(), t0).is_ok());
    }

    #[test]
    fn unknown_tiers_get_the_standard_limit() {
        let l = limiter();
        let key = Uuid::new_v4();
        let t0 = Instant::now();
        let allowed = (0..10)
            .filter(|_| l.key(key, "mystery", t0).is_ok())
            .count();
        assert_eq!(allowed, 3);
    }

    #[test]
    fn tiers_without_standard_are_refused_by_name() {
        // One `rate:burst` value is parsed (and tested) by runtime::rate_limit::Limit.
        assert!(parse_tiers("gold=1:2").unwrap_err().contains("standard"));
    }
}
