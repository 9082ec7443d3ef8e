//! What a plugin is told about its installation, the same in a heartbeat's answer and
//! in the config poll: effective toggles (plain, with details, and signed), upgrade
//! advice. Rules come from `policy`; configuration from the in-memory cache.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use policy::advice::{advise, UpgradeAdvice};
use policy::signed::canonical_payload;
use policy::toggles::{effective, EffectiveToggle};
use policy::InstallationFacts;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::signing::Signed;
use crate::startup::AppState;

#[derive(Debug, Serialize)]
pub struct PluginAnswer {
    /// key → value, for plugins that only read values.
    pub toggles: BTreeMap<String, Value>,
    /// key → scope, expiry and id of the toggle that won.
    pub toggle_details: BTreeMap<String, EffectiveToggle>,
    /// The toggles again, signed: plugins that verify act on these only.
    pub signed_toggles: Signed,
    /// Null when the installation runs the latest applicable release.
    pub upgrade: Option<UpgradeAdvice>,
    /// Upgrade notices to show the merchant in the plugin's admin until it sends a
    /// `notice_acknowledged` event with the notice_id.
    pub notices: Vec<store::notifications::InAppNotice>,
}

impl PluginAnswer {
    /// An ETag of what the plugin would act on (not of the signature's timestamps).
    pub fn etag(&self) -> String {
        let content = serde_json::json!({"toggles": self.toggles, "upgrade": self.upgrade,
            "notices": self.notices})
        .to_string();
        format!(
            "\"{}\"",
            hex::encode(&Sha256::digest(content.as_bytes())[..16])
        )
    }
}

pub fn answer(
    state: &AppState,
    facts: &InstallationFacts,
    failing: bool,
    now: DateTime<Utc>,
    notices: Vec<store::notifications::InAppNotice>,
) -> PluginAnswer {
    let config = state.plugin_config.snapshot();
    let toggle_details = effective(&config.toggles, facts, now);
    let toggles: BTreeMap<String, Value> = toggle_details
        .iter()
        .map(|(k, t)| (k.clone(), t.value.clone()))
        .collect();
    let expiries: BTreeMap<String, Option<DateTime<Utc>>> = toggle_details
        .iter()
        .map(|(k, t)| (k.clone(), t.expires_at))
        .collect();
    let expires = now + Duration::seconds(state.signed_toggles_ttl_secs);
    let payload = canonical_payload(facts.installation_id, &toggles, &expiries, now, expires);
    let signed_toggles = state.signer.sign(payload);
    PluginAnswer {
        toggles,
        toggle_details,
        signed_toggles,
        upgrade: advise(facts, &config.releases, failing),
        notices,
    }
}
