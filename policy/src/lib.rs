//! The product's pure rules. No I/O: callers load releases and toggles, these modules
//! decide. Each rule lives here once, with table-driven tests.

pub mod advice;
pub mod outbound;
pub mod signed;
pub mod status;
pub mod toggles;

/// The failing threshold has one home, the status rule; ingest, the api and the
/// fleet summary read it from there.
pub use status::{is_failing, FAILING_ERROR_RATE_PERCENT};

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

impl InstallationFacts {
    /// Whether `stored` is this installation's row id: the id the plugin sends, or
    /// (when another merchant had that id first) the one namespaced by merchant.
    pub fn is_stored_as(&self, stored: uuid::Uuid) -> bool {
        stored == self.installation_id
            || stored
                == schemas::installation::namespaced_installation_id(
                    self.merchant_id,
                    self.installation_id,
                )
    }
}
