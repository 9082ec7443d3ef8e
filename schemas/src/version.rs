//! Plugin version strings as plugins send them.
//!
//! Plugins in the wild send "1.3.5", "v1.3", "1.3.5-beta.2" and worse. A version that
//! does not parse is kept verbatim and flagged; it never fails a heartbeat.

/// Parses a plugin version leniently: an optional leading `v`, and missing minor or
/// patch components read as zero ("1.3" is 1.3.0). Anything else must be semver.
pub fn parse_lenient(raw: &str) -> Option<semver::Version> {
    let s = raw.trim();
    let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
    if let Ok(v) = semver::Version::parse(s) {
        return Some(v);
    }
    // Pad a short numeric core ("1" or "1.3"), keeping any pre-release/build suffix.
    let split = s.find(['-', '+']).unwrap_or(s.len());
    let (core, rest) = s.split_at(split);
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty() || parts.len() >= 3 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let mut padded = parts.join(".");
    for _ in parts.len()..3 {
        padded.push_str(".0");
    }
    semver::Version::parse(&format!("{padded}{rest}")).ok()
}

/// A version as `[major, minor, patch, is_release]`, for ordering in SQL (a release
/// sorts after its pre-releases; pre-releases of one version are not told apart).
/// None when the text is not a version.
///
/// A component beyond i32 saturates, and so does everything after it: two giant
/// versions may then compare equal, never in the wrong order (were only the saturated
/// component capped, 7999999994.0.0 would sort below 4499926442.9.0 by its minor).
pub fn sort_key(raw: &str) -> Option<[i32; 4]> {
    let v = parse_lenient(raw)?;
    let mut key = [0i32; 4];
    let parts = [v.major, v.minor, v.patch, u64::from(v.pre.is_empty())];
    for (i, n) in parts.into_iter().enumerate() {
        match i32::try_from(n) {
            Ok(n) => key[i] = n,
            Err(_) => {
                key[i..].fill(i32::MAX);
                break;
            }
        }
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::{parse_lenient, sort_key};

    #[test]
    fn sort_keys_order_like_semver() {
        let ordered = ["1.2.0-beta.1", "1.2.0", "1.2.1", "1.10.0", "2.0.0"];
        let keys: Vec<_> = ordered
            .iter()
            .map(|v| sort_key(v).expect("version"))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        assert_eq!(sort_key("latest"), None);
    }

    /// Defect (found by the version_parse fuzz target): only the saturated component
    /// was capped, so the minor ordered two giant majors against semver.
    #[test]
    fn giant_versions_compare_equal_never_reversed() {
        let (a, b) = (
            sort_key("7999999994").expect("version"),
            sort_key("4499926442.9").expect("version"),
        );
        assert!(a[..3] >= b[..3], "{a:?} < {b:?}");
        assert_eq!(sort_key("1.2.3"), Some([1, 2, 3, 1]));
        assert_eq!(
            sort_key("1.99999999999.0"),
            Some([1, i32::MAX, i32::MAX, i32::MAX])
        );
    }

    #[test]
    fn parses_what_plugins_send() {
        let cases = [
            ("1.3.5", Some("1.3.5")),
            ("v1.3.5", Some("1.3.5")),
            (" 1.3 ", Some("1.3.0")),
            ("2", Some("2.0.0")),
            ("1.3-beta.1", Some("1.3.0-beta.1")),
            ("1.3.5+build7", Some("1.3.5+build7")),
            ("1.3.5.1", None),
            ("latest", None),
            ("", None),
            ("1..2", None),
            ("01.2.3", None),
        ];
        for (raw, want) in cases {
            let got = parse_lenient(raw).map(|v| v.to_string());
            assert_eq!(got.as_deref(), want, "input {raw:?}");
        }
    }
}
