//! Any string as a plugin version: the lenient parser and the SQL sort key never
//! panic, agree on what parses, and never order two versions against semver (the key
//! saturates at i32::MAX, so giant numbers may compare equal, never reversed).
#![no_main]
use libfuzzer_sys::fuzz_target;
use schemas::version::{parse_lenient, sort_key};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let (a, b) = s.split_once('|').unwrap_or((s, "1.0.0"));
    assert_eq!(parse_lenient(a).is_some(), sort_key(a).is_some(), "{a:?}");
    if let (Some(va), Some(vb), Some(ka), Some(kb)) =
        (parse_lenient(a), parse_lenient(b), sort_key(a), sort_key(b))
    {
        let semver = (va.major, va.minor, va.patch).cmp(&(vb.major, vb.minor, vb.patch));
        let key = ka[..3].cmp(&kb[..3]);
        assert!(
            key == semver || key == std::cmp::Ordering::Equal,
            "{a:?} vs {b:?}: {key:?} against semver {semver:?}"
        );
    }
});
