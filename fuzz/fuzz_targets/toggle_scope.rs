//! Any string as a toggle's version range and any as an installation's version: the
//! range parser and the scope matcher never panic, and a scope matches only its CMS.
#![no_main]
use libfuzzer_sys::fuzz_target;
use policy::toggles::{parse_range, Scope};
use policy::InstallationFacts;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let (range, version) = s.split_once('|').unwrap_or((s, "1.2.3"));
    let Ok(versions) = parse_range(range) else {
        return;
    };
    let facts = InstallationFacts {
        installation_id: uuid::Uuid::nil(),
        merchant_id: uuid::Uuid::nil(),
        cms: "woocommerce".into(),
        plugin_version: version.to_owned(),
        runtime_version: None,
        cms_version: None,
    };
    let here = Scope::Cms {
        cms: "woocommerce".into(),
        versions: Some(versions.clone()),
    };
    let elsewhere = Scope::Cms {
        cms: "magento".into(),
        versions: Some(versions),
    };
    let _ = here.matches(&facts);
    assert!(!elsewhere.matches(&facts));
});
