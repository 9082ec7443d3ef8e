//! What a plugin is told about its installation, the same in a heartbeat's answer and
//! in the config poll: effective toggles (plain, with details, and signed), upgrade
//! advice. Rules come from `policy`; configuration from the in-memory cache.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use policy::advice::{advise, UpgradeAdvice};
use policy::signed::{canonical_payload, Instructions, Subject};
use policy::toggles::{effective, EffectiveToggle};
use policy::InstallationFacts;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::signing::Signed;
use crate::state::AppState;

/// What a plugin is told about its installation, before it is signed: enough to
/// answer a config poll's `If-None-Match` with a 304 without signing anything.
#[derive(Debug, Serialize)]
pub struct Decision {
    /// key → value, for plugins that only read values.
    pub toggles: BTreeMap<String, Value>,
    /// key → scope, expiry and id of the toggle that won.
    pub toggle_details: BTreeMap<String, EffectiveToggle>,
    /// Null when the installation runs the latest applicable release.
    pub upgrade: Option<UpgradeAdvice>,
    /// Upgrade notices to show the merchant in the plugin's admin until it sends a
    /// `notice_acknowledged` event with the notice_id.
    pub notices: Vec<store::notifications::InAppNotice>,
    /// Seconds between the plugin's `GET /api/v1/plugins/config` polls (its kill-switch
    /// latency; an incident-mode toggle may shorten it); also in the signed payload.
    pub poll_interval_secs: u64,
    /// Which renewal period of the signed payload this answer falls in (see `etag`).
    #[serde(skip)]
    pub renewal: i64,
    /// When it was decided: the signed payload's issued_at.
    #[serde(skip)]
    pub decided_at: DateTime<Utc>,
}

/// The decision and, signed, everything in it a plugin acts on.
#[derive(Debug, Serialize)]
pub struct PluginAnswer {
    #[serde(flatten)]
    pub decision: Decision,
    /// The decision, signed and bound to the installation, its merchant, CMS and plugin
    /// version: plugins that verify act on this only.
    pub signed_toggles: Signed,
}

/// The renewal period `now` falls in: periods last half the signed payload's lifetime,
/// so an ETag never outlives half of it and a client polling with `If-None-Match` is
/// handed a fresh payload while the one it holds is still valid for at least half its
/// lifetime (a 304 must never let a `block_plugin` lapse at `expires_at`).
pub fn renewal_period(now: DateTime<Utc>, signed_ttl_secs: i64) -> i64 {
    now.timestamp().div_euclid((signed_ttl_secs / 2).max(1))
}

impl Decision {
    /// An ETag of what the plugin would act on and of the signed payload's renewal
    /// period (not of the signature's own timestamps, which change every second).
    pub fn etag(&self) -> String {
        // toggle_details, not only the values: a block revoked and set again with a
        // later expiry is a new toggle (new id and expiry), so it must not be a 304.
        let content = serde_json::json!({"toggles": self.toggle_details, "upgrade": self.upgrade,
            "notices": self.notices, "poll_interval_secs": self.poll_interval_secs,
            "renewal": self.renewal})
        .to_string();
        format!(
            "\"{}\"",
            hex::encode(&Sha256::digest(content.as_bytes())[..16])
        )
    }

    /// Signs it for this installation (the costly part: a 304 skips it).
    pub fn signed(self, state: &AppState, facts: &InstallationFacts) -> PluginAnswer {
        let expiries: BTreeMap<String, Option<DateTime<Utc>>> = self
            .toggle_details
            .iter()
            .map(|(k, t)| (k.clone(), t.expires_at))
            .collect();
        let expires = self.decided_at + Duration::seconds(state.signed_toggles_ttl_secs);
        // Serialising our own types cannot fail; null would only sign less.
        let upgrade_json = serde_json::to_value(&self.upgrade).unwrap_or_default();
        let notices_json = serde_json::to_value(&self.notices).unwrap_or_default();
        let payload = canonical_payload(
            Subject {
                installation_id: facts.installation_id,
                merchant_id: facts.merchant_id,
                cms: &facts.cms,
                plugin_version: &facts.plugin_version,
            },
            Instructions {
                toggles: &self.toggles,
                toggle_expires_at: &expiries,
                upgrade: &upgrade_json,
                notices: &notices_json,
                poll_interval_secs: self.poll_interval_secs,
            },
            self.decided_at,
            expires,
        );
        let signed_toggles = state.signer.sign(payload);
        PluginAnswer {
            decision: self,
            signed_toggles,
        }
    }
}

/// What the rules say for this installation now (toggles, advice, notices, interval).
pub fn decide(
    state: &AppState,
    facts: &InstallationFacts,
    failing: bool,
    now: DateTime<Utc>,
    notices: Vec<store::notifications::InAppNotice>,
) -> Decision {
    let config = state.plugin_config.snapshot();
    let toggle_details = effective(&config.toggles, facts, now);
    let toggles: BTreeMap<String, Value> = toggle_details
        .iter()
        .map(|(k, t)| (k.clone(), t.value.clone()))
        .collect();
    let poll_interval_secs =
        policy::toggles::poll_interval_secs(&toggle_details, state.config_poll_interval_secs);
    Decision {
        toggles,
        toggle_details,
        upgrade: advise(facts, &config.releases, failing),
        notices,
        poll_interval_secs,
        renewal: renewal_period(now, state.signed_toggles_ttl_secs),
        decided_at: now,
    }
}

/// The decision, signed (heartbeat answers always carry the signed payload).
pub fn answer(
    state: &AppState,
    facts: &InstallationFacts,
    failing: bool,
    now: DateTime<Utc>,
    notices: Vec<store::notifications::InAppNotice>,
) -> PluginAnswer {
    decide(state, facts, failing, now, notices).signed(state, facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Defect (issue 16.16): the ETag left the signed payload out, so a client polling
    /// with `If-None-Match` kept getting 304 past its payload's `expires_at`.
    #[test]
    fn an_etag_never_outlives_half_the_signed_payloads_lifetime() {
        let ttl = 7200;
        let start = DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        for offset in [0, 1, 1799, 1800, 3599, 3600, 7199] {
            let fetched = start + Duration::seconds(offset);
            let expires = fetched + Duration::seconds(ttl);
            // The first moment the same ETag would no longer be answered with a 304:
            let renewed = (0..=ttl)
                .map(|s| fetched + Duration::seconds(s))
                .find(|t| renewal_period(*t, ttl) != renewal_period(fetched, ttl))
                .expect("the ETag changes within the lifetime");
            assert!(
                expires - renewed >= Duration::seconds(ttl / 2),
                "fetched {fetched}: fresh payload only at {renewed}, expiring {expires}"
            );
        }
        assert_eq!(renewal_period(start, 1), renewal_period(start, 0));
    }
}
