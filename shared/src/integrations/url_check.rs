//! The check of an endpoint's URL when it is saved: its form, then every address its host resolves
//! to now (`address_policy`). Each delivery checks again as it connects (`safe_http`).

use crate::integrations::address_policy::{self, Reach, UrlRefusal};

pub async fn check_url(url: &str, reach: Reach) -> Result<(), UrlRefusal> {
    let target = address_policy::parse_target(url, reach)?;
    if target.literal().is_some() {
        return Ok(());
    }
    let addresses: Vec<_> = tokio::net::lookup_host((target.host.as_str(), target.port))
        .await
        .map(|found| found.map(|a| a.ip()).collect())
        .unwrap_or_default();
    address_policy::check_resolved(&target.host, &addresses, reach)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused_on_a_deployed_stack() {
        let deployed = Reach { allow_loopback: false };
        assert!(matches!(
            check_url("https://localhost/hook", deployed).await,
            Err(UrlRefusal::Refused { .. })
        ));
        assert!(
            check_url("http://localhost:9/hook", Reach { allow_loopback: true })
                .await
                .is_ok()
        );
        assert!(matches!(
            check_url("https://no-such-host.invalid/", deployed).await,
            Err(UrlRefusal::Unresolved(_))
        ));
    }
}
