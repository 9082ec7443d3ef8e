//! The OpenAPI document is the published contract: these tests pin what the console
//! and clients read from it.

use serde_json::Value;
use utoipa::OpenApi;

fn document() -> Value {
    serde_json::to_value(api::openapi::ApiDoc::openapi()).expect("json")
}

/// `OPENAPI_DUMP=/tmp/openapi.json cargo test -p api --test in_process openapi` writes
/// the document, so a change can be diffed against the published contract.
#[test]
fn openapi_document_dump() {
    let doc = serde_json::to_string_pretty(&api::openapi::ApiDoc::openapi()).expect("json");
    if let Ok(path) = std::env::var("OPENAPI_DUMP") {
        std::fs::write(path, &doc).expect("write the document");
    }
}

/// The response types (`api::views`) keep the schema names clients generate code
/// from; each is published once.
#[test]
fn openapi_schemas_keep_their_published_names() {
    let doc = document();
    let mut names: Vec<&str> = doc["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "Agent",
            "AgentCreated",
            "AgentInfo",
            "Attempt",
            "BlastRadius",
            "CmsSummary",
            "CreateAgent",
            "CreateKey",
            "CreateMerchant",
            "CreateToggle",
            "Created",
            "DailyHealth",
            "Delivery",
            "Entry",
            "FleetSummary",
            "Health",
            "Installation",
            "InstallationDetail",
            "InstallationToggle",
            "KeyCreated",
            "KeyInfo",
            "Merchant",
            "MerchantDetail",
            "Notice",
            "NoticeDetail",
            "NoticeQueued",
            "NotifyUpgrade",
            "Page",
            "Preferences",
            "Problem",
            "Publish",
            "Published",
            "QuietHours",
            "Reason",
            "RecentHeartbeat",
            "RevokeKey",
            "Role",
            "RotateKey",
            "SetPreferences",
            "ToggleCreated",
            "ToggleInfo",
            "UpdateAgent",
            "VersionAdoption",
        ]
    );
}

/// Channels are listed by name (strings), as they always were, whatever type the
/// store uses for them.
#[test]
fn notification_channels_are_published_as_strings() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["Preferences"]["properties"]["channels"]["items"]["type"],
        "string"
    );
    assert_eq!(
        schemas["Delivery"]["properties"]["channel"]["type"],
        "string"
    );
}
