//! The product's pure rules. No I/O: callers load releases and toggles, these modules
//! decide. Each rule lives here once, with table-driven tests.

pub mod advice;
pub mod signed;
pub mod toggles;

/// What the rules need to know about one installation, from its heartbeat or the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct InstallationFacts {
    pub installation_id: uuid::Uuid,
    pub merchant_id: uuid::Uuid,
    pub cms: String,
    /// As the plugin sent it (may not parse).
    pub plugin_version: String,
    pub runtime_version: Option<String>,
    pub cms_version: Option<String>,
}
