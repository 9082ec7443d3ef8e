//! Installation status as Ops see it: the flags it is made of and the one precedence
//! rule. The alerter's status job loads the facts, applies these rules per installation
//! group and stores the result; PostgreSQL only stores it.
//!
//! Outdated and critical are the plugin's own upgrade advice (`advice::advise`): an
//! installation is outdated exactly when its plugin is advised an upgrade, critical
//! exactly when that advice is critical. So Ops never see "critical" while the plugin
//! is told it is up to date, or the reverse.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::advice::{advise, Release};
use crate::InstallationFacts;

/// An installation is stale after this many heartbeat intervals without one.
pub const STALE_AFTER_HEARTBEATS: u32 = 3;

/// Errors per 100 requests above which an installation is failing: its status is
/// `error`, it counts in `plugin_high_error_installations`, and its upgrade advice is
/// raised one priority step (exposure).
pub const FAILING_ERROR_RATE_PERCENT: f64 = 5.0;

/// Whether an installation with this error rate (percent of requests, last reported
/// hour) is failing.
pub fn is_failing(error_rate_percent: f64) -> bool {
    error_rate_percent > FAILING_ERROR_RATE_PERCENT
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    Outdated,
    Stale,
    Error,
    Blocked,
    Uninstalled,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Active,
        Status::Outdated,
        Status::Stale,
        Status::Error,
        Status::Blocked,
        Status::Uninstalled,
    ];

    /// The name stored in PostgreSQL and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Outdated => "outdated",
            Status::Stale => "stale",
            Status::Error => "error",
            Status::Blocked => "blocked",
            Status::Uninstalled => "uninstalled",
        }
    }

    /// THE precedence: uninstalled > blocked > stale > error > outdated > active.
    pub fn of(f: Flags) -> Status {
        if f.uninstalled {
            Status::Uninstalled
        } else if f.blocked {
            Status::Blocked
        } else if f.stale {
            Status::Stale
        } else if f.failing {
            Status::Error
        } else if f.outdated {
            Status::Outdated
        } else {
            Status::Active
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStatus(pub String);

impl fmt::Display for UnknownStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
        write!(f, "unknown status {:?}: {}", self.0, names.join(", "))
    }
}

impl std::error::Error for UnknownStatus {}

impl FromStr for Status {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, UnknownStatus> {
        Status::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

impl TryFrom<String> for Status {
    type Error = UnknownStatus;

    fn try_from(s: String) -> Result<Self, UnknownStatus> {
        s.parse()
    }
}

/// What a status is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags {
    /// Its last `uninstalled` event is not followed by a heartbeat.
    pub uninstalled: bool,
    /// An effective `block_plugin` toggle.
    pub blocked: bool,
    /// No heartbeat for `STALE_AFTER_HEARTBEATS` intervals.
    pub stale: bool,
    /// `is_failing` on its last reported error rate.
    pub failing: bool,
    /// Advised an upgrade.
    pub outdated: bool,
}

impl Flags {
    /// Every combination of the five flags, so a caller can map them all at once.
    pub fn every_combination() -> impl Iterator<Item = Flags> {
        (0u8..32).map(|bits| Flags {
            uninstalled: bits & 16 != 0,
            blocked: bits & 8 != 0,
            stale: bits & 4 != 0,
            failing: bits & 2 != 0,
            outdated: bits & 1 != 0,
        })
    }
}

/// Where an installation stands against its CMS's releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    pub outdated: bool,
    pub critical: bool,
}

/// The standing is the plugin's advice: outdated when advised an upgrade, critical when
/// that advice is. (Failing only raises the advice's priority, so it does not matter.)
pub fn standing(facts: &InstallationFacts, releases: &[Release]) -> Standing {
    advise(facts, releases, false).map_or(Standing::default(), |a| Standing {
        outdated: true,
        critical: a.critical,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advice::tests::{advice_cases, facts};

    #[test]
    fn the_precedence_holds_for_every_combination() {
        for f in Flags::every_combination() {
            let want = [
                (f.uninstalled, Status::Uninstalled),
                (f.blocked, Status::Blocked),
                (f.stale, Status::Stale),
                (f.failing, Status::Error),
                (f.outdated, Status::Outdated),
            ]
            .into_iter()
            .find(|(on, _)| *on)
            .map_or(Status::Active, |(_, s)| s);
            assert_eq!(Status::of(f), want, "{f:?}");
        }
        assert_eq!(Flags::every_combination().count(), 32);
    }

    /// Every case of the advice table: what the plugin is told and what Ops see agree.
    #[test]
    fn ops_status_agrees_with_the_plugins_advice_on_every_case() {
        let (releases, cases) = advice_cases();
        for case in cases {
            let facts = facts(case.installed, case.runtime);
            let told = advise(&facts, &releases, case.failing);
            let seen = standing(&facts, &releases);
            assert_eq!(seen.outdated, told.is_some(), "{case:?}");
            assert_eq!(
                seen.critical,
                told.as_ref().is_some_and(|a| a.critical),
                "{case:?}"
            );
            let status = Status::of(Flags {
                outdated: seen.outdated,
                ..Flags::default()
            });
            let want = if told.is_some() {
                Status::Outdated
            } else {
                Status::Active
            };
            assert_eq!(status, want, "{case:?}");
        }
    }

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(s));
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::Value::String(s.as_str().into()))
            );
        }
        let e = "gone".parse::<Status>().unwrap_err();
        assert!(e.to_string().contains("active, outdated"), "{e}");
    }

    #[test]
    fn failing_is_strictly_above_the_threshold() {
        assert!(!is_failing(FAILING_ERROR_RATE_PERCENT));
        assert!(is_failing(FAILING_ERROR_RATE_PERCENT + 0.01));
    }
}
