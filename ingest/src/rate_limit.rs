//! Token buckets per source address and per API key (the key's limit depends on its
//! merchant's tier), so one flooding shop or key slows nobody else. Over its limit a
//! request gets 429 `rate_limited` with Retry-After and RateLimit-* headers, before any
//! work is done for it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::error::IngestError;
use crate::startup::AppState;

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

struct Bucket {
    tokens: f64,
    at: Instant,
}

const SHARDS: usize = 16;
/// Buckets per shard before idle (full) ones are swept.
const SWEEP_AT: usize = 50_000;

pub struct RateLimiter {
    per_address: Limit,
    tiers: HashMap<String, Limit>,
    shards: Vec<Mutex<HashMap<Subject, Bucket>>>,
}

/// Over the limit: retry after this long.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limited {
    pub retry_after: Duration,
    pub limit: Limit,
}

impl RateLimiter {
    pub fn new(per_address: Limit, tiers: HashMap<String, Limit>) -> Self {
        Self {
            per_address,
            tiers,
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
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
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        subject.hash(&mut h);
        let mut shard = self.shards[h.finish() as usize % SHARDS]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if shard.len() >= SWEEP_AT {
            // A bucket that has refilled is indistinguishable from a new one.
            shard.retain(|_, b| {
                b.tokens + now.duration_since(b.at).as_secs_f64() * limit.per_sec < limit.burst
            });
        }
        let b = shard.entry(subject).or_insert(Bucket {
            tokens: limit.burst,
            at: now,
        });
        b.tokens =
            (b.tokens + now.duration_since(b.at).as_secs_f64() * limit.per_sec).min(limit.burst);
        b.at = now;
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

    pub fn address(&self, ip: IpAddr, now: Instant) -> Result<(), Limited> {
        self.take(Subject::Address(ip), self.per_address, now)
    }

    pub fn key(&self, key_id: Uuid, tier: &str, now: Instant) -> Result<(), Limited> {
        self.take(Subject::Key(key_id), self.tier(tier), now)
    }
}

/// The plugin-facing routes' first layer: the source address's bucket, then (for a
/// key that authenticates; others are refused by the handler) the key's bucket.
pub async fn enforce(
    State(state): State<Arc<AppState>>,
    ConnectInfo(runtime::tls::Peer(peer)): ConnectInfo<runtime::tls::Peer>,
    request: Request,
    next: Next,
) -> Response {
    let now = Instant::now();
    let limiter = &state.rate_limiter;
    let mut verdict = limiter.address(peer.ip(), now);
    if verdict.is_ok() {
        if let Ok(m) = state.auth.authenticate(request.headers()).await {
            verdict = limiter.key(m.key_id, &m.tier, now);
        }
    }
    match verdict {
        Ok(()) => next.run(request).await,
        Err(l) => IngestError::RateLimited {
            retry_after_secs: l.retry_after.as_secs_f64().ceil().max(1.0) as u64,
            limit: l.limit.burst as u64,
        }
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn settings_are_parsed_with_clear_errors() {
        assert!(parse_tiers("gold=1:2").unwrap_err().contains("standard"));
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
