//! Ops toggles: which are in effect for an installation, and what a valid toggle is.
//!
//! Effective toggles = every unexpired, unrevoked toggle whose scope matches the
//! installation; per key the most specific scope wins (installation > merchant >
//! CMS with version range > CMS > global), and within one scope the newest. An
//! installation-scoped toggle also names the merchant, so a key of another merchant
//! can never see it, even by sending that installation's id.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use semver::VersionReq;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::InstallationFacts;
use schemas::version::parse_lenient;

pub const BLOCK_PLUGIN: &str = "block_plugin";
pub const FORCE_UPDATE: &str = "force_update";
pub const ENABLE_DEBUG: &str = "enable_debug";
/// Incident mode: seconds between config polls, shorter than ingest's default for the
/// toggle's scope until it expires (the kill switch's latency for polling plugins).
pub const POLL_INTERVAL_SECS: &str = "poll_interval_secs";
/// The shortest poll interval Ops can set: at 1M installations, 10 s is 100k polls/s.
pub const MIN_POLL_INTERVAL_SECS: u64 = 10;

/// The poll interval a plugin is told: ingest's default, or an effective
/// `poll_interval_secs` toggle when it is shorter. A toggle can only shorten it, so a
/// mistake can never make the kill switch slower than the default.
pub fn poll_interval_secs(effective: &BTreeMap<String, EffectiveToggle>, default_secs: u64) -> u64 {
    effective
        .get(POLL_INTERVAL_SECS)
        .and_then(|t| t.value.as_u64())
        .map_or(default_secs, |secs| {
            secs.max(MIN_POLL_INTERVAL_SECS).min(default_secs)
        })
}

#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    Installation {
        installation_id: Uuid,
        merchant_id: Uuid,
    },
    Merchant {
        merchant_id: Uuid,
    },
    /// A CMS, optionally only versions in a semver range (`>=1.2.0, <1.3.0`).
    Cms {
        cms: String,
        versions: Option<VersionReq>,
    },
    Global,
}

impl Scope {
    /// Higher is more specific.
    fn rank(&self) -> u8 {
        match self {
            Scope::Installation { .. } => 4,
            Scope::Merchant { .. } => 3,
            Scope::Cms {
                versions: Some(_), ..
            } => 2,
            Scope::Cms { versions: None, .. } => 1,
            Scope::Global => 0,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Scope::Installation { .. } => "installation",
            Scope::Merchant { .. } => "merchant",
            Scope::Cms { .. } => "cms",
            Scope::Global => "global",
        }
    }

    pub fn matches(&self, facts: &InstallationFacts) -> bool {
        match self {
            Scope::Installation {
                installation_id,
                merchant_id,
            } => facts.is_stored_as(*installation_id) && *merchant_id == facts.merchant_id,
            Scope::Merchant { merchant_id } => *merchant_id == facts.merchant_id,
            Scope::Cms { cms, versions } => {
                *cms == facts.cms
                    && versions.as_ref().is_none_or(|range| {
                        parse_lenient(&facts.plugin_version).is_some_and(|v| range.matches(&v))
                    })
            }
            Scope::Global => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Toggle {
    pub id: Uuid,
    pub key: String,
    pub value: Value,
    pub scope: Scope,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A toggle as the plugin receives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectiveToggle {
    pub value: Value,
    pub toggle_id: Uuid,
    pub scope: &'static str,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The toggles in effect for an installation at `now` (revoked toggles are never
/// passed in).
pub fn effective(
    toggles: &[Toggle],
    facts: &InstallationFacts,
    now: DateTime<Utc>,
) -> BTreeMap<String, EffectiveToggle> {
    let mut winners: BTreeMap<&str, &Toggle> = BTreeMap::new();
    for t in toggles {
        if t.expires_at.is_some_and(|e| e <= now) || !t.scope.matches(facts) {
            continue;
        }
        let better = winners.get(t.key.as_str()).is_none_or(|w| {
            (t.scope.rank(), t.created_at, t.id) > (w.scope.rank(), w.created_at, w.id)
        });
        if better {
            winners.insert(&t.key, t);
        }
    }
    winners
        .into_iter()
        .map(|(k, t)| {
            (
                k.to_owned(),
                EffectiveToggle {
                    value: t.value.clone(),
                    toggle_id: t.id,
                    scope: t.scope.name(),
                    expires_at: t.expires_at,
                },
            )
        })
        .collect()
}

/// Parses a version range as Ops type it (`>=1.2.0, <1.3.0`, `1.2.*`).
pub fn parse_range(s: &str) -> Result<VersionReq, String> {
    VersionReq::parse(s).map_err(|e| format!("version range {s:?} is not a semver range: {e}"))
}

/// Checks a new or changed toggle. Block and debug switches must expire, within
/// `max_duration`, so none is left on by accident.
pub fn validate(
    key: &str,
    value: &Value,
    reason: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    max_duration: Duration,
) -> Result<(), String> {
    let key_ok = !key.is_empty()
        && key.len() <= 64
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !key_ok {
        return Err(
            "key must be lowercase letters, digits and _ (at most 64), starting with a letter"
                .into(),
        );
    }
    if reason.trim().is_empty() {
        return Err("a reason is required".into());
    }
    if [BLOCK_PLUGIN, ENABLE_DEBUG, FORCE_UPDATE].contains(&key) && !value.is_boolean() {
        return Err(format!("{key} takes true or false"));
    }
    if key == POLL_INTERVAL_SECS
        && !value
            .as_u64()
            .is_some_and(|s| (MIN_POLL_INTERVAL_SECS..=86_400).contains(&s))
    {
        return Err(format!(
            "{key} takes whole seconds from {MIN_POLL_INTERVAL_SECS} to 86400"
        ));
    }
    if let Some(at) = expires_at {
        if at <= now {
            return Err("expires_at must be in the future".into());
        }
    }
    // Incident mode must end by itself too.
    if [BLOCK_PLUGIN, ENABLE_DEBUG, POLL_INTERVAL_SECS].contains(&key) {
        match expires_at {
            None => return Err(format!("{key} requires expires_at")),
            Some(at) if at - now > max_duration => {
                return Err(format!(
                    "{key} may last at most {} hours",
                    max_duration.num_hours()
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts(installation: u128, merchant: u128, cms: &str, version: &str) -> InstallationFacts {
        InstallationFacts {
            installation_id: Uuid::from_u128(installation),
            merchant_id: Uuid::from_u128(merchant),
            cms: cms.into(),
            plugin_version: version.into(),
            runtime_version: None,
            cms_version: None,
        }
    }

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::minutes(1_000_000 + minutes)
    }

    fn toggle(
        id: u128,
        key: &str,
        value: Value,
        scope: Scope,
        created: i64,
        expires: Option<i64>,
    ) -> Toggle {
        Toggle {
            id: Uuid::from_u128(id),
            key: key.into(),
            value,
            scope,
            expires_at: expires.map(at),
            created_at: at(created),
        }
    }

    #[test]
    fn resolution_table() {
        let woo_12 = Scope::Cms {
            cms: "woocommerce".into(),
            versions: Some(parse_range(">=1.2.0, <1.3.0").expect("range")),
        };
        let toggles = vec![
            toggle(1, BLOCK_PLUGIN, json!(true), woo_12.clone(), 0, Some(60)),
            toggle(
                2,
                BLOCK_PLUGIN,
                json!(false),
                Scope::Installation {
                    installation_id: Uuid::from_u128(7),
                    merchant_id: Uuid::from_u128(70),
                },
                0,
                Some(60),
            ),
            toggle(
                3,
                ENABLE_DEBUG,
                json!(true),
                Scope::Merchant {
                    merchant_id: Uuid::from_u128(80),
                },
                0,
                Some(60),
            ),
            toggle(
                4,
                "checkout_banner",
                json!("maintenance"),
                Scope::Global,
                0,
                None,
            ),
            toggle(5, "checkout_banner", json!("sale"), Scope::Global, 5, None),
            toggle(
                6,
                FORCE_UPDATE,
                json!(true),
                Scope::Cms {
                    cms: "magento".into(),
                    versions: None,
                },
                0,
                Some(-1),
            ),
            toggle(7, ENABLE_DEBUG, json!(false), Scope::Global, 10, Some(60)),
        ];
        // (installation, merchant, cms, version) → expected key=value pairs
        // ((installation, merchant, cms, version), expected key = value pairs)
        type Case<'a> = ((u128, u128, &'a str, &'a str), Vec<(&'a str, Value)>);
        let cases: Vec<Case> = vec![
            (
                (1, 10, "woocommerce", "1.2.7"),
                vec![
                    (BLOCK_PLUGIN, json!(true)),
                    ("checkout_banner", json!("sale")),
                    (ENABLE_DEBUG, json!(false)),
                ],
            ),
            (
                (1, 10, "woocommerce", "1.3.0"),
                vec![
                    ("checkout_banner", json!("sale")),
                    (ENABLE_DEBUG, json!(false)),
                ],
            ),
            // The installation override beats the version-range block.
            (
                (7, 70, "woocommerce", "1.2.0"),
                vec![
                    (BLOCK_PLUGIN, json!(false)),
                    ("checkout_banner", json!("sale")),
                    (ENABLE_DEBUG, json!(false)),
                ],
            ),
            // Another merchant sending installation 7's id does not get its override.
            (
                (7, 71, "woocommerce", "1.2.0"),
                vec![
                    (BLOCK_PLUGIN, json!(true)),
                    ("checkout_banner", json!("sale")),
                    (ENABLE_DEBUG, json!(false)),
                ],
            ),
            // The merchant's debug beats the newer global one.
            (
                (2, 80, "prestashop", "2.0.0"),
                vec![
                    (ENABLE_DEBUG, json!(true)),
                    ("checkout_banner", json!("sale")),
                ],
            ),
            // An expired toggle is gone; an unparsable version matches no range.
            (
                (3, 90, "magento", "1.0.0"),
                vec![
                    ("checkout_banner", json!("sale")),
                    (ENABLE_DEBUG, json!(false)),
                ],
            ),
            (
                (4, 90, "woocommerce", "nightly"),
                vec![
                    ("checkout_banner", json!("sale")),
                    (ENABLE_DEBUG, json!(false)),
                ],
            ),
        ];
        for ((i, m, cms, v), want) in cases {
            let got = effective(&toggles, &facts(i, m, cms, v), at(0));
            let got: BTreeMap<&str, &Value> =
                got.iter().map(|(k, e)| (k.as_str(), &e.value)).collect();
            let want: BTreeMap<&str, &Value> = want.iter().map(|(k, v)| (*k, v)).collect();
            assert_eq!(got, want, "installation {i} merchant {m} {cms} {v}");
        }
    }

    #[test]
    fn a_poll_interval_toggle_only_ever_shortens_the_default() {
        let with = |value: Value| {
            let mut effective = BTreeMap::new();
            effective.insert(
                POLL_INTERVAL_SECS.to_owned(),
                EffectiveToggle {
                    value,
                    toggle_id: Uuid::nil(),
                    scope: "global",
                    expires_at: None,
                },
            );
            effective
        };
        assert_eq!(poll_interval_secs(&BTreeMap::new(), 300), 300);
        assert_eq!(poll_interval_secs(&with(json!(30)), 300), 30);
        assert_eq!(poll_interval_secs(&with(json!(3600)), 300), 300);
        assert_eq!(
            poll_interval_secs(&with(json!(1)), 300),
            MIN_POLL_INTERVAL_SECS
        );
        assert_eq!(poll_interval_secs(&with(json!("fast")), 300), 300);
    }

    #[test]
    fn validation_table() {
        let now = at(0);
        let max = Duration::days(30);
        // (key, value, reason, expires_at, valid?)
        type Case<'a> = (&'a str, Value, &'a str, Option<DateTime<Utc>>, bool);
        let cases: Vec<Case> = vec![
            (
                BLOCK_PLUGIN,
                json!(true),
                "CVE-2026-1234",
                Some(now + Duration::days(1)),
                true,
            ),
            (BLOCK_PLUGIN, json!(true), "CVE-2026-1234", None, false),
            (
                BLOCK_PLUGIN,
                json!(true),
                "CVE-2026-1234",
                Some(now + Duration::days(31)),
                false,
            ),
            (
                BLOCK_PLUGIN,
                json!("yes"),
                "CVE-2026-1234",
                Some(now + Duration::days(1)),
                false,
            ),
            (
                BLOCK_PLUGIN,
                json!(true),
                "  ",
                Some(now + Duration::days(1)),
                false,
            ),
            (ENABLE_DEBUG, json!(true), "ticket 42", None, false),
            (
                POLL_INTERVAL_SECS,
                json!(30),
                "incident 77",
                Some(now + Duration::hours(2)),
                true,
            ),
            (POLL_INTERVAL_SECS, json!(30), "incident 77", None, false),
            (
                POLL_INTERVAL_SECS,
                json!(5),
                "incident 77",
                Some(now + Duration::hours(2)),
                false,
            ),
            (
                POLL_INTERVAL_SECS,
                json!("30"),
                "incident 77",
                Some(now + Duration::hours(2)),
                false,
            ),
            (FORCE_UPDATE, json!(true), "1.3.5 fixes 3DS", None, true),
            ("rate_limit", json!({"per_minute": 10}), "abuse", None, true),
            ("Rate-Limit", json!(1), "abuse", None, false),
            (
                "rate_limit",
                json!(1),
                "abuse",
                Some(now - Duration::minutes(1)),
                false,
            ),
        ];
        for (key, value, reason, expires, ok) in cases {
            assert_eq!(
                validate(key, &value, reason, expires, now, max).is_ok(),
                ok,
                "{key} {value} {reason:?} {expires:?}"
            );
        }
    }
}
