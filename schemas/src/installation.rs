//! Installation identity.

use uuid::Uuid;

/// Namespace of derived installation ids (a fixed random UUID; never change it, or every
/// legacy plugin would appear as a new installation).
const INSTALLATION_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2b7e_94d3_4a8f_b1e5_3c0d_9a27_e468);

/// The id of an installation that sent none: deterministic in (merchant, site host, cms),
/// so a legacy body (it has no installation id) keeps mapping to one installation across
/// heartbeats.
pub fn derive_installation_id(merchant_id: Uuid, site_host: Option<&str>, cms: &str) -> Uuid {
    let name = format!(
        "{merchant_id}|{}|{cms}",
        site_host.unwrap_or("").to_ascii_lowercase()
    );
    Uuid::new_v5(&INSTALLATION_NAMESPACE, name.as_bytes())
}

/// The id under which a merchant's installation is stored when the id its plugin sends
/// is already another merchant's (a WordPress site cloned for another merchant copies
/// its installation id). Deterministic, so the aggregator, ingest and the Ops API find
/// the same row from (merchant, the plugin's id) without asking each other.
pub fn namespaced_installation_id(merchant_id: Uuid, reported: Uuid) -> Uuid {
    Uuid::new_v5(
        &INSTALLATION_NAMESPACE,
        format!("{merchant_id}|installation|{reported}").as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaced_ids_differ_per_merchant_and_from_the_reported_id() {
        let id = Uuid::from_u128(7);
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(
            namespaced_installation_id(a, id),
            namespaced_installation_id(a, id)
        );
        assert_ne!(
            namespaced_installation_id(a, id),
            namespaced_installation_id(b, id)
        );
        assert_ne!(namespaced_installation_id(a, id), id);
    }

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        let m = Uuid::from_u128(1);
        let a = derive_installation_id(m, Some("Shop.example"), "woocommerce");
        assert_eq!(
            a,
            derive_installation_id(m, Some("shop.example"), "woocommerce")
        );
        assert_ne!(
            a,
            derive_installation_id(m, Some("shop.example"), "magento")
        );
        assert_ne!(a, derive_installation_id(m, None, "woocommerce"));
        assert_ne!(
            a,
            derive_installation_id(Uuid::from_u128(2), Some("shop.example"), "woocommerce")
        );
        assert_eq!(a.get_version_num(), 5);
    }
}
