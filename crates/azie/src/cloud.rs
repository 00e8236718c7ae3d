//! `--cloud`: which Azure cloud the ARM endpoint and the sign-in authority belong to.

use azure_core::cloud::CloudConfiguration;
use clap::ValueEnum;

/// The Azure clouds `azie` knows, named as `az cloud list` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Cloud {
    /// Azure (management.azure.com, login.microsoftonline.com).
    #[value(name = "AzurePublicCloud")]
    Public,
    /// Azure operated by 21Vianet (management.chinacloudapi.cn, login.chinacloudapi.cn).
    #[value(name = "AzureChinaCloud")]
    China,
    /// Azure Government (management.usgovcloudapi.net, login.microsoftonline.us).
    #[value(name = "AzureUSGovernment")]
    UsGovernment,
}

/// The ARM endpoint when neither `--endpoint` nor `--cloud` is given.
pub const DEFAULT_ENDPOINT: &str = "https://management.azure.com";

impl Cloud {
    /// The cloud's Azure Resource Manager endpoint; the token scope follows from it
    /// (`{endpoint}/.default`).
    pub fn arm_endpoint(self) -> &'static str {
        match self {
            Cloud::Public => DEFAULT_ENDPOINT,
            Cloud::China => "https://management.chinacloudapi.cn",
            Cloud::UsGovernment => "https://management.usgovcloudapi.net",
        }
    }

    /// The configuration azure_identity's credentials read their authority host from.
    pub fn configuration(self) -> CloudConfiguration {
        match self {
            Cloud::Public => CloudConfiguration::AzurePublic,
            Cloud::China => CloudConfiguration::AzureChina,
            Cloud::UsGovernment => CloudConfiguration::AzureGovernment,
        }
    }

    /// The authority host azure_identity uses for this cloud (for messages only: the
    /// credentials derive it themselves from [`Cloud::configuration`]).
    pub fn authority_host(self) -> &'static str {
        match self {
            Cloud::Public => "https://login.microsoftonline.com",
            Cloud::China => "https://login.chinacloudapi.cn",
            Cloud::UsGovernment => "https://login.microsoftonline.us",
        }
    }

    /// The name `--cloud` accepts.
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Public => "AzurePublicCloud",
            Cloud::China => "AzureChinaCloud",
            Cloud::UsGovernment => "AzureUSGovernment",
        }
    }
}

/// The endpoint to call: an explicit `--endpoint` (or `AZURE_IMPORTEXPORT_ENDPOINT`) wins,
/// then the cloud's ARM endpoint, then Azure's public one.
pub fn resolve_endpoint(explicit: Option<&url::Url>, cloud: Option<Cloud>) -> url::Url {
    match (explicit, cloud) {
        (Some(url), _) => url.clone(),
        (None, Some(cloud)) => parse_static(cloud.arm_endpoint()),
        (None, None) => parse_static(DEFAULT_ENDPOINT),
    }
}

fn parse_static(url: &'static str) -> url::Url {
    // The constants above are valid URLs; the tests below parse every one of them.
    url::Url::parse(url).unwrap_or_else(|_| unreachable!("invalid built-in URL {url}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cloud_has_its_arm_endpoint_and_authority() {
        let cases = [
            (
                Cloud::Public,
                "management.azure.com",
                "login.microsoftonline.com",
            ),
            (
                Cloud::China,
                "management.chinacloudapi.cn",
                "login.chinacloudapi.cn",
            ),
            (
                Cloud::UsGovernment,
                "management.usgovcloudapi.net",
                "login.microsoftonline.us",
            ),
        ];
        for (cloud, arm, login) in cases {
            let endpoint = resolve_endpoint(None, Some(cloud));
            assert_eq!(endpoint.host_str(), Some(arm));
            assert_eq!(endpoint.scheme(), "https");
            assert_eq!(
                url::Url::parse(cloud.authority_host()).unwrap().host_str(),
                Some(login)
            );
            assert_eq!(Cloud::from_str(cloud.name(), true), Ok(cloud));
        }
        assert_eq!(Cloud::China.configuration(), CloudConfiguration::AzureChina);
    }

    #[test]
    fn an_explicit_endpoint_wins_over_the_cloud() {
        let explicit = url::Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            resolve_endpoint(Some(&explicit), Some(Cloud::China)),
            explicit
        );
        assert_eq!(
            resolve_endpoint(None, None).as_str(),
            "https://management.azure.com/"
        );
    }
}
