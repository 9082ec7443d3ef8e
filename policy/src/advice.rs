//! Upgrade advice: which release an installation should move to, how big a step it is
//! and how urgent.
//!
//! Rules:
//! - candidates: releases of the installation's CMS, not yanked, on the stable channel
//!   (beta too when the installation already runs a pre-release), whose requirements
//!   the installation meets (an unknown runtime or CMS version does not exclude);
//! - the latest candidate above the installed version is advised; none → up to date;
//! - type: major / minor / patch by the first semver component that differs;
//! - critical: a release in (installed, advised] fixes a security issue, or the
//!   installed version is below the advised release's minimum supported version, or
//!   the installed release was yanked;
//! - required = critical; priority: critical → critical, major → high, minor → normal,
//!   patch → low, raised one step when the installation is failing (exposure);
//! - an unparsable installed version is advised the latest release as a major,
//!   non-critical upgrade (we cannot tell what it skips).

use chrono::{DateTime, Utc};
use semver::Version;
use serde::Serialize;

use crate::InstallationFacts;
use schemas::version::parse_lenient;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Release {
    pub cms: String,
    pub version: String,
    pub channel: Channel,
    pub released_at: DateTime<Utc>,
    pub min_supported_version: Option<String>,
    pub security_fix: bool,
    pub min_runtime_version: Option<String>,
    pub min_cms_version: Option<String>,
    pub tested_up_to: Option<String>,
    pub changelog: String,
    pub package_url: Option<String>,
    pub yanked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Stable,
    Beta,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UpgradeType {
    Patch,
    Minor,
    Major,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    Normal,
    High,
    Critical,
}

impl Priority {
    fn raised(self) -> Self {
        match self {
            Priority::Low => Priority::Normal,
            Priority::Normal => Priority::High,
            Priority::High | Priority::Critical => Priority::Critical,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Requirements {
    pub min_runtime_version: Option<String>,
    pub min_cms_version: Option<String>,
    pub tested_up_to: Option<String>,
}

/// What the plugin is told (and Ops see).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpgradeAdvice {
    pub current_version: String,
    pub latest_version: String,
    pub upgrade_type: UpgradeType,
    pub critical: bool,
    pub required: bool,
    pub priority: Priority,
    /// Why it is critical, for people: "security fix in 1.3.4", "below minimum supported 1.2.0".
    pub reasons: Vec<String>,
    pub changelog: String,
    pub package_url: Option<String>,
    pub requirements: Requirements,
}

fn version(v: &str) -> Option<Version> {
    parse_lenient(v)
}

/// True when `have` is unknown or at least `need` (an unknown need is no requirement).
fn meets(have: Option<&str>, need: Option<&str>) -> bool {
    match (have.and_then(version), need.and_then(version)) {
        (Some(have), Some(need)) => have >= need,
        _ => true,
    }
}

fn step(from: &Version, to: &Version) -> UpgradeType {
    if to.major != from.major {
        UpgradeType::Major
    } else if to.minor != from.minor {
        UpgradeType::Minor
    } else {
        UpgradeType::Patch
    }
}

/// The advice for one installation given its CMS's releases; None when up to date.
pub fn advise(
    facts: &InstallationFacts,
    releases: &[Release],
    failing: bool,
) -> Option<UpgradeAdvice> {
    let installed = version(&facts.plugin_version);
    let on_prerelease = installed.as_ref().is_some_and(|v| !v.pre.is_empty());
    let mut candidates: Vec<(Version, &Release)> = releases
        .iter()
        .filter(|r| r.cms == facts.cms && !r.yanked)
        .filter(|r| r.channel == Channel::Stable || on_prerelease)
        .filter(|r| {
            meets(
                facts.runtime_version.as_deref(),
                r.min_runtime_version.as_deref(),
            ) && meets(facts.cms_version.as_deref(), r.min_cms_version.as_deref())
        })
        .filter_map(|r| version(&r.version).map(|v| (v, r)))
        .collect();
    candidates.sort_by(|a, b| a.0.cmp(&b.0));
    let (latest_v, latest) = candidates.last()?;

    let mut reasons = Vec::new();
    let (upgrade_type, critical) = match &installed {
        None => (UpgradeType::Major, false),
        Some(installed) => {
            if installed >= latest_v {
                return None;
            }
            for (v, r) in &candidates {
                if v > installed && v <= latest_v && r.security_fix {
                    reasons.push(format!("security fix in {}", r.version));
                }
            }
            if let Some(min) = latest.min_supported_version.as_deref().and_then(version) {
                if *installed < min {
                    reasons.push(format!("below minimum supported version {min}"));
                }
            }
            let yanked = releases.iter().any(|r| {
                r.cms == facts.cms && r.yanked && version(&r.version).as_ref() == Some(installed)
            });
            if yanked {
                reasons.push(format!("installed version {installed} was withdrawn"));
            }
            (step(installed, latest_v), !reasons.is_empty())
        }
    };
    let mut priority = if critical {
        Priority::Critical
    } else {
        match upgrade_type {
            UpgradeType::Major => Priority::High,
            UpgradeType::Minor => Priority::Normal,
            UpgradeType::Patch => Priority::Low,
        }
    };
    if failing {
        priority = priority.raised();
    }
    Some(UpgradeAdvice {
        current_version: facts.plugin_version.clone(),
        latest_version: latest.version.clone(),
        upgrade_type,
        critical,
        required: critical,
        priority,
        reasons,
        changelog: latest.changelog.clone(),
        package_url: latest.package_url.clone(),
        requirements: Requirements {
            min_runtime_version: latest.min_runtime_version.clone(),
            min_cms_version: latest.min_cms_version.clone(),
            tested_up_to: latest.tested_up_to.clone(),
        },
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use uuid::Uuid;

    fn release(version: &str) -> Release {
        Release {
            cms: "woocommerce".into(),
            version: version.into(),
            channel: Channel::Stable,
            released_at: DateTime::<Utc>::MIN_UTC,
            min_supported_version: None,
            security_fix: false,
            min_runtime_version: None,
            min_cms_version: None,
            tested_up_to: None,
            changelog: format!("changes in {version}"),
            package_url: Some(format!("https://downloads.example/{version}.zip")),
            yanked: false,
        }
    }

    pub(crate) fn facts(version: &str, runtime: Option<&str>) -> InstallationFacts {
        InstallationFacts {
            installation_id: Uuid::nil(),
            merchant_id: Uuid::nil(),
            cms: "woocommerce".into(),
            plugin_version: version.into(),
            runtime_version: runtime.map(str::to_owned),
            cms_version: None,
        }
    }

    /// (advised, type, critical, priority); None: up to date.
    pub(crate) type Want = Option<(&'static str, UpgradeType, bool, Priority)>;

    #[derive(Debug)]
    pub(crate) struct Case {
        pub installed: &'static str,
        pub runtime: Option<&'static str>,
        pub failing: bool,
        pub want: Want,
    }

    /// The advice table: releases of one CMS and the cases against them. The status
    /// rule's agreement test runs every case too.
    pub(crate) fn advice_cases() -> (Vec<Release>, Vec<Case>) {
        let mut r130 = release("1.3.0");
        r130.min_supported_version = Some("1.2.0".into());
        let mut r134 = release("1.3.4");
        r134.security_fix = true;
        let mut r135 = release("1.3.5");
        r135.min_supported_version = Some("1.2.0".into());
        let mut r200 = release("2.0.0");
        r200.min_runtime_version = Some("8.1".into());
        let mut beta = release("2.1.0-beta.1");
        beta.channel = Channel::Beta;
        let mut yanked = release("2.0.1");
        yanked.yanked = true;
        let mut magento = release("9.9.9");
        magento.cms = "magento".into();
        let releases = vec![
            release("1.1.0"),
            release("1.2.0"),
            r130,
            r134,
            r135,
            r200,
            beta,
            yanked,
            magento,
        ];

        let cases: Vec<(&'static str, Option<&'static str>, bool, Want)> = vec![
            // PHP 8.0 cannot take 2.0.0 (needs 8.1): 1.3.5 is the latest applicable.
            (
                "1.3.4",
                Some("8.0"),
                false,
                Some(("1.3.5", UpgradeType::Patch, false, Priority::Low)),
            ),
            (
                "1.3.3",
                Some("8.0"),
                false,
                Some(("1.3.5", UpgradeType::Patch, true, Priority::Critical)),
            ),
            (
                "1.2.0",
                Some("8.0"),
                false,
                Some(("1.3.5", UpgradeType::Minor, true, Priority::Critical)),
            ),
            (
                "1.1.0",
                Some("8.0"),
                false,
                Some(("1.3.5", UpgradeType::Minor, true, Priority::Critical)),
            ),
            ("1.3.5", Some("8.0"), false, None),
            // An unknown runtime does not exclude 2.0.0.
            (
                "1.3.5",
                None,
                false,
                Some(("2.0.0", UpgradeType::Major, false, Priority::High)),
            ),
            (
                "1.3.5",
                Some("8.2"),
                true,
                Some(("2.0.0", UpgradeType::Major, false, Priority::Critical)),
            ),
            ("2.0.0", Some("8.2"), false, None),
            // The yanked 2.0.1 is never advised; running it is critical.
            ("2.0.1", Some("8.2"), false, None),
            // A beta installation is offered betas.
            (
                "2.1.0-beta.0",
                Some("8.2"),
                false,
                Some(("2.1.0-beta.1", UpgradeType::Patch, false, Priority::Low)),
            ),
            (
                "nightly",
                Some("8.2"),
                false,
                Some(("2.0.0", UpgradeType::Major, false, Priority::High)),
            ),
            (
                "v1.3",
                Some("8.0"),
                false,
                Some(("1.3.5", UpgradeType::Patch, true, Priority::Critical)),
            ),
        ];
        let cases = cases
            .into_iter()
            .map(|(installed, runtime, failing, want)| Case {
                installed,
                runtime,
                failing,
                want,
            })
            .collect();
        (releases, cases)
    }

    #[test]
    fn advice_table() {
        let (releases, cases) = advice_cases();
        for Case {
            installed,
            runtime,
            failing,
            want,
        } in cases
        {
            let got = advise(&facts(installed, runtime), &releases, failing).map(|a| {
                (
                    a.latest_version.clone(),
                    a.upgrade_type,
                    a.critical,
                    a.priority,
                    a.required,
                )
            });
            let want = want.map(|(v, t, c, p)| (v.to_owned(), t, c, p, c));
            assert_eq!(
                got, want,
                "installed {installed} runtime {runtime:?} failing {failing}"
            );
        }
    }

    #[test]
    fn running_a_withdrawn_release_is_critical() {
        let mut yanked = release("1.3.1");
        yanked.yanked = true;
        let releases = vec![yanked, release("1.3.2")];
        let a = advise(&facts("1.3.1", None), &releases, false).expect("advice");
        assert!(a.critical && a.required);
        assert_eq!(a.reasons, vec!["installed version 1.3.1 was withdrawn"]);
        assert_eq!(
            a.package_url.as_deref(),
            Some("https://downloads.example/1.3.2.zip")
        );
    }

    #[test]
    fn no_release_for_the_cms_means_no_advice() {
        assert_eq!(advise(&facts("1.0.0", None), &[], false), None);
    }
}
