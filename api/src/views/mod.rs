//! The JSON the API answers with, one module per resource. Each type is converted from
//! a `store` row with `From`, so renaming a column or a row's field is a compile error
//! here instead of a silent change of the public contract. Each keeps the JSON field
//! names and the OpenAPI schema name (its Rust name) the API has always published; the
//! doc comments are the schema's descriptions.
//!
//! Not mirrored: the `policy` values some answers embed (upgrade advice, effective
//! toggles, releases). They are the plugin contract as well, published as free-form
//! objects here, and `policy` is the one place that defines them.

pub mod agents;
pub mod audit;
pub mod fleet;
pub mod health;
pub mod installations;
pub mod merchants;
pub mod notifications;
pub mod preferences;
pub mod toggles;

/// Each view answers the same JSON its store row did when the row itself was the
/// answer: same field names, same values.
#[cfg(test)]
mod same_json_as_the_store_rows {
    use chrono::{TimeZone, Utc};
    use serde::Serialize;
    use serde_json::json;
    use uuid::Uuid;

    fn same<Row: Serialize + Clone, View: Serialize + From<Row>>(row: Row) {
        let view = View::from(row.clone());
        let (row, view) = (
            serde_json::to_value(row).expect("json"),
            serde_json::to_value(view).expect("json"),
        );
        assert!(row.as_object().is_some_and(|o| !o.is_empty()), "{row}");
        assert_eq!(view, row);
    }

    fn at() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 30, 0)
            .single()
            .expect("a time")
    }

    fn installation() -> store::installations::Installation {
        store::installations::Installation {
            id: Uuid::new_v4(),
            reported_id: Uuid::new_v4(),
            merchant_id: Uuid::new_v4(),
            cms: "woocommerce".into(),
            cms_version: Some("8.5.1".into()),
            plugin_version: "1.2.3".into(),
            sdk_language: None,
            runtime_version: Some("8.2".into()),
            site_host: Some("shop.example".into()),
            environment: "production".into(),
            status: policy::status::Status::Active,
            is_outdated: true,
            is_critical: false,
            is_blocked: false,
            error_rate: 2.5,
            last_error_code: None,
            heartbeat_count: 42,
            first_seen_at: at(),
            last_heartbeat_at: at(),
        }
    }

    #[test]
    fn installations_and_their_health() {
        same::<_, super::installations::Installation>(installation());
        same::<_, super::installations::Page>(store::installations::Page {
            items: vec![installation(), installation()],
            next_cursor: Some("abc".into()),
        });
        same::<_, super::health::DailyHealth>(store::health::DailyHealth {
            day: "2026-03-01".into(),
            heartbeats: 20,
            expected_heartbeats: 24,
            uptime_share: 0.83,
            requests: 1000,
            errors: 3.5,
            error_events: 2,
            error_rate: 0.35,
            versions_seen: vec!["1.2.3".into()],
            last_version: "1.2.3".into(),
        });
        same::<_, super::health::RecentHeartbeat>(store::health::RecentHeartbeat {
            received_at: "2026-03-01 12:30:00".into(),
            plugin_version: "1.2.3".into(),
            cms_version: "8.5.1".into(),
            requests_last_hour: 10,
            errors_last_hour: 0.5,
            last_error_code: "E42".into(),
        });
        let cms = store::installations::CmsSummary {
            cms: "magento".into(),
            installations: 3,
            outdated: 1,
            high_error_rate: 0,
            error_rate_avg: 0.1,
        };
        let adoption = store::installations::VersionAdoption {
            cms: "magento".into(),
            plugin_version: "2.0.0".into(),
            installations: 3,
            outdated: 0,
        };
        same::<_, super::fleet::CmsSummary>(cms.clone());
        same::<_, super::fleet::VersionAdoption>(adoption.clone());
        same::<_, super::fleet::FleetSummary>(store::installations::FleetSummary {
            installations: 3,
            outdated: 1,
            outdated_percentage: 33.3,
            high_error_rate: 0,
            error_rate_avg: 0.1,
            by_status: [(policy::status::Status::Active, 3)].into_iter().collect(),
            by_cms: vec![cms],
            version_adoption: vec![adoption],
            as_of: at(),
        });
    }

    #[test]
    fn toggles() {
        same::<_, super::toggles::ToggleInfo>(store::toggles::ToggleInfo {
            id: Uuid::new_v4(),
            key: "block_plugin".into(),
            value: json!(true),
            scope: "cms".into(),
            installation_id: None,
            merchant_id: None,
            cms: Some("prestashop".into()),
            version_range: Some("<1.3.0".into()),
            reason: "incident 12".into(),
            expires_at: Some(at()),
            created_by: "ivy".into(),
            created_at: at(),
            revoked_at: None,
            revoked_by: None,
            revoke_reason: None,
        });
        same::<_, super::toggles::BlastRadius>(store::toggles::BlastRadius {
            installations: 12,
            merchants: 3,
        });
    }

    #[test]
    fn notices_and_preferences() {
        use store::notifications::Channel;
        same::<_, super::notifications::Notice>(store::notifications::Notice {
            id: Uuid::new_v4(),
            installation_id: Uuid::new_v4(),
            merchant_id: Uuid::new_v4(),
            cms: "woocommerce".into(),
            from_version: "1.2.3".into(),
            to_version: "1.3.0".into(),
            upgrade_type: "minor".into(),
            priority: "normal".into(),
            critical: false,
            trigger: "ops".into(),
            message: Some("please".into()),
            created_by: "ivy".into(),
            created_at: at(),
            acked_at: None,
            acked_via: None,
        });
        for channel in Channel::ALL {
            same::<_, super::notifications::Delivery>(store::notifications::Delivery {
                id: Uuid::new_v4(),
                channel,
                status: "pending".into(),
                attempts: 1,
                not_before: at(),
                last_error: Some("timeout".into()),
                delivered_at: None,
            });
        }
        same::<_, super::notifications::Attempt>(store::notifications::Attempt {
            delivery_id: Uuid::new_v4(),
            attempt: 2,
            at: at(),
            outcome: "retry".into(),
            detail: None,
        });
        same::<_, super::preferences::Preferences>(store::notifications::Preferences {
            merchant_id: Uuid::new_v4(),
            channels: Channel::ALL.to_vec(),
            quiet_hours_start: Some(22),
            quiet_hours_end: Some(7),
            timezone: "Europe/Paris".into(),
            webhook_url: Some("https://hooks.example/x".into()),
            webhook_secret_set: true,
            slack_webhook_set: false,
            sms_phone_set: false,
            escalate: true,
        });
    }

    #[test]
    fn merchants_keys_agents_and_audit() {
        same::<_, super::merchants::Merchant>(store::merchants::Merchant {
            id: Uuid::new_v4(),
            name: "Shop".into(),
            email: Some("owner@shop.example".into()),
            locale: "fr".into(),
            timezone: "Europe/Paris".into(),
            tier: "standard".into(),
            created_at: at(),
            installations: 2,
        });
        same::<_, super::merchants::KeyInfo>(store::api_keys::KeyInfo {
            id: Uuid::new_v4(),
            merchant_id: Uuid::new_v4(),
            prefix: "ptk_abcdefgh".into(),
            label: None,
            created_at: at(),
            revoked_at: Some(at()),
        });
        same::<_, super::agents::Agent>(store::agents::Agent {
            id: Uuid::new_v4(),
            name: "ivy".into(),
            role: store::agents::Role::Operator,
        });
        same::<_, super::agents::AgentInfo>(store::agents::AgentInfo {
            id: Uuid::new_v4(),
            name: "ivy".into(),
            role: "admin".into(),
            token_prefix: "pto_abcdefgh".into(),
            created_by: "bootstrap".into(),
            created_at: at(),
            disabled_at: None,
        });
        same::<_, super::audit::Entry>(store::audit::Entry {
            id: 7,
            at: at(),
            actor: "ivy".into(),
            source_address: Some("127.0.0.7".into()),
            action: "toggle.create".into(),
            target_type: "toggle".into(),
            target_id: Uuid::new_v4().to_string(),
            before: None,
            after: Some(json!({"key": "block_plugin"})),
            reason: Some("incident".into()),
        });
    }
}
