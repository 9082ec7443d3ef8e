//! The fleet overview.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// Installations of one (cms, version) and their state.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionAdoption {
    pub cms: String,
    pub plugin_version: String,
    pub installations: i64,
    pub outdated: i64,
}

impl From<store::installations::VersionAdoption> for VersionAdoption {
    fn from(v: store::installations::VersionAdoption) -> Self {
        Self {
            cms: v.cms,
            plugin_version: v.plugin_version,
            installations: v.installations,
            outdated: v.outdated,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CmsSummary {
    pub cms: String,
    pub installations: i64,
    pub outdated: i64,
    pub high_error_rate: i64,
    pub error_rate_avg: f64,
}

impl From<store::installations::CmsSummary> for CmsSummary {
    fn from(c: store::installations::CmsSummary) -> Self {
        Self {
            cms: c.cms,
            installations: c.installations,
            outdated: c.outdated,
            high_error_rate: c.high_error_rate,
            error_rate_avg: c.error_rate_avg,
        }
    }
}

/// The fleet (installations not uninstalled) in one pass over the table.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FleetSummary {
    pub installations: i64,
    /// Behind the latest release (whatever else their status says).
    pub outdated: i64,
    pub outdated_percentage: f64,
    /// Last hourly error rate above `policy::FAILING_ERROR_RATE_PERCENT`.
    pub high_error_rate: i64,
    pub error_rate_avg: f64,
    pub by_status: BTreeMap<String, i64>,
    pub by_cms: Vec<CmsSummary>,
    pub version_adoption: Vec<VersionAdoption>,
    pub as_of: DateTime<Utc>,
}

impl From<store::installations::FleetSummary> for FleetSummary {
    fn from(f: store::installations::FleetSummary) -> Self {
        Self {
            installations: f.installations,
            outdated: f.outdated,
            outdated_percentage: f.outdated_percentage,
            high_error_rate: f.high_error_rate,
            error_rate_avg: f.error_rate_avg,
            by_status: f
                .by_status
                .into_iter()
                .map(|(s, n)| (s.as_str().to_owned(), n))
                .collect(),
            by_cms: f.by_cms.into_iter().map(CmsSummary::from).collect(),
            version_adoption: f
                .version_adoption
                .into_iter()
                .map(VersionAdoption::from)
                .collect(),
            as_of: f.as_of,
        }
    }
}
