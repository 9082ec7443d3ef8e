//! Token buckets keyed by anything hashable, sharded, with idle buckets swept: the
//! core of ingest's per-address and per-key limits and of the API's limit on failed
//! authentications.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Requests per second and how many may come at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub per_sec: f64,
    pub burst: f64,
}

impl std::str::FromStr for Limit {
    type Err = String;

    /// `rate:burst`, e.g. `50:500`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (rate, burst) = s
            .split_once(':')
            .ok_or_else(|| format!("{s:?}: expected rate:burst, e.g. 50:500"))?;
        let parse = |v: &str| {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n > 0.0)
                .ok_or_else(|| format!("{s:?}: {v:?} is not a positive number"))
        };
        Ok(Limit {
            per_sec: parse(rate)?,
            burst: parse(burst)?,
        })
    }
}

/// Over the limit: retry after this long.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limited {
    pub retry_after: Duration,
    pub limit: Limit,
}

impl Limited {
    /// Whole seconds for a Retry-After header (at least 1).
    pub fn retry_after_secs(&self) -> u64 {
        self.retry_after.as_secs_f64().ceil().max(1.0) as u64
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

const SHARDS: usize = 16;
/// Buckets per shard before idle (refilled) ones are swept.
const SWEEP_AT: usize = 50_000;

pub struct TokenBuckets<K> {
    shards: Vec<Mutex<HashMap<K, Bucket>>>,
}

impl<K: Hash + Eq> Default for TokenBuckets<K> {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

impl<K: Hash + Eq> TokenBuckets<K> {
    fn refill(b: &mut Bucket, limit: Limit, now: Instant) {
        b.tokens = (b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * limit.per_sec)
            .min(limit.burst);
        b.at = now;
    }

    fn shard(&self, key: &K) -> std::sync::MutexGuard<'_, HashMap<K, Bucket>> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        self.shards[h.finish() as usize % SHARDS]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Takes one token, or says how long until one is there.
    pub fn take(&self, key: K, limit: Limit, now: Instant) -> Result<(), Limited> {
        let mut shard = self.shard(&key);
        if shard.len() >= SWEEP_AT {
            // A bucket that has refilled is indistinguishable from a new one.
            shard.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * limit.per_sec
                    < limit.burst
            });
        }
        let b = shard.entry(key).or_insert(Bucket {
            tokens: limit.burst,
            at: now,
        });
        Self::refill(b, limit, now);
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Limited {
                retry_after: Duration::from_secs_f64((1.0 - b.tokens) / limit.per_sec),
                limit,
            })
        }
    }

    /// Whether a token is there, without taking it.
    pub fn check(&self, key: &K, limit: Limit, now: Instant) -> Result<(), Limited> {
        let mut shard = self.shard(key);
        match shard.get_mut(key) {
            None => Ok(()),
            Some(b) => {
                Self::refill(b, limit, now);
                if b.tokens >= 1.0 {
                    Ok(())
                } else {
                    Err(Limited {
                        retry_after: Duration::from_secs_f64((1.0 - b.tokens) / limit.per_sec),
                        limit,
                    })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_its_rate() {
        let b = TokenBuckets::default();
        let limit = Limit {
            per_sec: 10.0,
            burst: 3.0,
        };
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(b.take("k", limit, t0).is_ok());
        }
        let refused = b.take("k", limit, t0).unwrap_err();
        assert!(refused.retry_after <= Duration::from_millis(100));
        assert_eq!(refused.retry_after_secs(), 1);
        assert!(b.check(&"k", limit, t0).is_err());
        assert!(b.take("k", limit, t0 + Duration::from_millis(100)).is_ok());
        assert!(b.take("other", limit, t0).is_ok());
        assert!(b.check(&"never seen", limit, t0).is_ok());
    }

    #[test]
    fn limits_parse_with_clear_errors() {
        assert!("50".parse::<Limit>().unwrap_err().contains("rate:burst"));
        assert!("0:5".parse::<Limit>().is_err());
        assert_eq!(
            "50:500".parse::<Limit>().unwrap(),
            Limit {
                per_sec: 50.0,
                burst: 500.0
            }
        );
    }
}
