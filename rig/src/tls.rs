//! TLS for each `--ssl-mode`, and what a refused handshake means: the
//! driver's options per mode, verify-ca's "chain only" check, the servers
//! seen without TLS (so preferred mode probes each once), and the
//! certificate errors a user can act on (unknown issuer, name mismatch).

use crate::config::{ConnectionConfig, SslMode};
use crate::error::StateError;
use mysql_async::SslOpts;

/// The driver's TLS options for `mode`; `name` verifies the certificate
/// against that name instead of the host connected to.
pub(crate) fn ssl_opts(
    mode: SslMode,
    config: &ConnectionConfig,
    name: Option<&str>,
) -> Option<SslOpts> {
    let base = SslOpts::default();
    let with_ca = |opts: SslOpts| match &config.tls.ca {
        Some(ca) => opts.with_root_certs(vec![ca.clone().into()]),
        None => opts,
    };
    let with_name = |opts: SslOpts| match name {
        Some(n) => opts.with_danger_tls_hostname_override(Some(n.to_string())),
        None => opts,
    };
    match mode {
        SslMode::Disabled => None,
        SslMode::Preferred | SslMode::Required => Some(
            base.with_danger_accept_invalid_certs(true)
                .with_danger_skip_domain_validation(true),
        ),
        // The driver's "skip domain validation" looks for `NotValidForName`
        // in the error's text, which rustls 0.23 no longer prints, so it
        // never applies; verify-ca is done by `chain_only_name` instead.
        SslMode::VerifyCa => Some(with_name(with_ca(base))),
        SslMode::VerifyIdentity => Some(with_ca(base)),
    }
}

/// Addresses whose server answered without offering TLS, in this process.
static WITHOUT_TLS: std::sync::LazyLock<std::sync::Mutex<std::collections::HashSet<String>>> =
    std::sync::LazyLock::new(Default::default);

/// Records that the server at `address` offers no TLS.
pub(crate) fn remember_without_tls(address: &str) {
    if let Ok(mut known) = WITHOUT_TLS.lock() {
        known.insert(address.to_string());
    }
}

/// Whether the server at `address` was seen not to offer TLS.
pub(crate) fn known_without_tls(address: &str) -> bool {
    WITHOUT_TLS
        .lock()
        .is_ok_and(|known| known.contains(address))
}

/// The rustls error behind a failed handshake, if that is what it was.
fn rustls_error(error: &mysql_async::Error) -> Option<&rustls::Error> {
    match error {
        mysql_async::Error::Io(mysql_async::IoError::Io(io)) => {
            io.get_ref()?.downcast_ref::<rustls::Error>()
        }
        _ => None,
    }
}

/// The names the server's certificate holds, when the handshake failed only
/// because the host connected to is not among them.
fn presented_names(error: &mysql_async::Error) -> Option<&[String]> {
    match rustls_error(error)? {
        rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForNameContext {
            presented,
            ..
        }) => Some(presented),
        _ => None,
    }
}

/// `DnsName("localhost")` or `IpAddress(10.0.0.1)`, as webpki lists them, to
/// the name itself.
fn name_of(presented: &str) -> Option<&str> {
    let inner = presented
        .strip_prefix("DnsName(")
        .or_else(|| presented.strip_prefix("IpAddress("))?
        .strip_suffix(')')?;
    Some(inner.trim_matches('"'))
}

/// For verify-ca after a name mismatch: a name the certificate holds, so
/// that a second handshake checks the chain against the CA and nothing
/// else, as the mysql client's VERIFY_CA does.
pub(crate) fn chain_only_name(error: &mysql_async::Error) -> Option<String> {
    presented_names(error)?
        .iter()
        .filter_map(|p| name_of(p))
        .find(|n| !n.starts_with('*'))
        .map(str::to_string)
}

/// The certificate's names for a message: `` `a`, `b` ``, or "no host name".
fn shown_names(presented: &[String]) -> String {
    let names: Vec<String> = presented
        .iter()
        .filter_map(|p| name_of(p))
        .map(|n| format!("`{n}`"))
        .collect();
    if names.is_empty() {
        "no host name".into()
    } else {
        names.join(", ")
    }
}

/// A certificate the client refused, in words that say what to change.
pub(crate) fn refusal(error: &mysql_async::Error, config: &ConnectionConfig) -> Option<StateError> {
    use rustls::CertificateError as Cert;
    let reason = match rustls_error(error)? {
        rustls::Error::InvalidCertificate(Cert::UnknownIssuer) => match &config.tls.ca {
            Some(ca) => format!(
                "its certificate is not signed by the CA in `{}` (unknown issuer)",
                ca.display()
            ),
            None => "its certificate is not signed by a CA this system trusts (unknown issuer): give its CA file (ssl-ca)".into(),
        },
        rustls::Error::InvalidCertificate(Cert::NotValidForNameContext { presented, .. }) => format!(
            "its certificate is for {}, not `{}`: connect by one of those names, or set ssl-mode to verify-ca to check the CA only",
            shown_names(presented),
            config.host
        ),
        rustls::Error::InvalidCertificate(Cert::Expired | Cert::ExpiredContext { .. }) => {
            "its certificate has expired".into()
        }
        rustls::Error::InvalidCertificate(other) => {
            format!("its certificate was refused: {other}")
        }
        other => format!("the TLS handshake failed: {other}"),
    };
    Some(StateError::TlsRefused {
        address: config.address(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webpki_s_names_are_read_back() {
        assert_eq!(name_of("DnsName(\"localhost\")"), Some("localhost"));
        assert_eq!(name_of("IpAddress(10.0.0.1)"), Some("10.0.0.1"));
        assert_eq!(name_of("DirectoryName"), None);
        let presented = ["DirectoryName".to_string(), "DnsName(\"db\")".to_string()];
        assert_eq!(shown_names(&presented), "`db`");
        assert_eq!(shown_names(&[]), "no host name");
    }
}
