//! TLS to PostgreSQL as libpq reads `sslmode` and `sslrootcert`, so a URL that works with `psql`
//! works here and means the same:
//!
//! | `sslmode`             | encrypted              | server certificate checked                 |
//! |-----------------------|------------------------|--------------------------------------------|
//! | `disable`             | never                  | —                                          |
//! | `allow`, `prefer`     | if the server offers   | no                                         |
//! | `require`             | always                 | no (but as `verify-ca` with `sslrootcert`) |
//! | `verify-ca`           | always                 | chains to a trusted root                   |
//! | `verify-full`         | always                 | chains to a trusted root and names the host |
//!
//! Trusted roots are the `sslrootcert` file (PEM; `system` means the system's store, as libpq 16
//! reads it: only with `verify-full`, its default then), else, for `verify-full` only, the
//! system's store; `verify-ca` needs a file (any public certificate chains to the system's store,
//! so a chain-only check against it would prove nothing). An unchecked certificate still has to sign the handshake:
//! the connection is encrypted, only who holds the key is not verified (libpq's `require`, which
//! managed databases with their own CA rely on). tokio-postgres itself knows only `disable`,
//! `prefer` and `require`; [`split`] takes both keys out of the URL and says what to check.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::DigitallySignedStruct;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_postgres::config::SslMode as DriverMode;

/// libpq's `sslmode` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// What a connection asks of TLS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsPolicy {
    pub mode: SslMode,
    /// `sslrootcert`: a PEM file of trusted roots, or `None` for the system's store.
    pub root_cert: Option<PathBuf>,
}

/// How much of the server's certificate is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    Nothing,
    Chain,
    ChainAndName,
}

impl TlsPolicy {
    /// What tokio-postgres is told: whether TLS is tried, required or never used.
    pub fn driver_mode(&self) -> DriverMode {
        match self.mode {
            SslMode::Disable => DriverMode::Disable,
            SslMode::Allow | SslMode::Prefer => DriverMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => DriverMode::Require,
        }
    }

    fn check(&self) -> Check {
        match self.mode {
            SslMode::Require if self.root_cert.is_some() => Check::Chain,
            SslMode::Disable | SslMode::Allow | SslMode::Prefer | SslMode::Require => {
                Check::Nothing
            }
            SslMode::VerifyCa => Check::Chain,
            SslMode::VerifyFull => Check::ChainAndName,
        }
    }

    /// The connector for this policy; fails naming the root certificate file it cannot read.
    pub fn connector(&self) -> anyhow::Result<tokio_postgres_rustls::MakeRustlsConnect> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let check = self.check();
        let chain = match check {
            Check::Nothing => None,
            Check::Chain | Check::ChainAndName => {
                let roots = Arc::new(self.roots()?);
                Some(WebPkiServerVerifier::builder_with_provider(roots, provider.clone()).build()?)
            }
        };
        let verifier = Arc::new(Verifier {
            check,
            chain,
            provider: provider.clone(),
        });
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
    }

    fn roots(&self) -> anyhow::Result<rustls::RootCertStore> {
        let mut roots = rustls::RootCertStore::empty();
        match &self.root_cert {
            Some(path) if path.as_os_str() != "system" => {
                let certs = CertificateDer::pem_file_iter(path)
                    .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                    .map_err(|e| anyhow::anyhow!("sslrootcert {}: {e}", path.display()))?;
                let (added, _) = roots.add_parsable_certificates(certs);
                anyhow::ensure!(
                    added > 0,
                    "sslrootcert {}: no certificate in it",
                    path.display()
                );
            }
            _ => {
                // A certificate the store cannot parse is skipped, as every TLS client does.
                roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            }
        }
        Ok(roots)
    }
}

/// Takes `sslmode` and `sslrootcert` out of a URL or `key=value` string (what tokio-postgres
/// cannot read) and returns the rest with the policy. An unknown `sslmode` is an error naming it.
pub fn split(text: &str) -> Result<(String, TlsPolicy), String> {
    let mut policy = TlsPolicy {
        mode: SslMode::Prefer,
        root_cert: None,
    };
    let mut mode_given = false;
    let mut take = |key: &str, value: &str| -> Result<bool, String> {
        match key {
            "sslmode" => {
                policy.mode = match value {
                    "disable" => SslMode::Disable,
                    "allow" => SslMode::Allow,
                    "prefer" => SslMode::Prefer,
                    "require" => SslMode::Require,
                    "verify-ca" => SslMode::VerifyCa,
                    "verify-full" => SslMode::VerifyFull,
                    other => {
                        return Err(format!(
                            "sslmode `{other}` is not one of disable, allow, prefer, require, \
                             verify-ca, verify-full"
                        ));
                    }
                };
                mode_given = true;
                Ok(true)
            }
            "sslrootcert" => {
                policy.root_cert = Some(PathBuf::from(value));
                Ok(true)
            }
            _ => Ok(false),
        }
    };
    let rest = if text.contains("://") {
        let (base, query) = text.split_once('?').unwrap_or((text, ""));
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = form_urlencoded::parse(pair.as_bytes())
                .next()
                .unwrap_or_default();
            if !take(&key, &value)? {
                kept.push(pair);
            }
        }
        if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        }
    } else {
        let mut kept = Vec::new();
        for word in text.split_whitespace() {
            let (key, value) = word.split_once('=').unwrap_or((word, ""));
            if !take(key.trim(), value.trim_matches('\''))? {
                kept.push(word);
            }
        }
        kept.join(" ")
    };
    refuse_weak_roots(&mut policy, mode_given)?;
    Ok((rest, policy))
}

/// libpq's rules for what a chain-only check may trust: any publicly trusted certificate chains
/// to the system's store, so checking the chain without the name against it proves nothing.
/// `sslrootcert=system` therefore means `verify-full` (the default with it) and refuses weaker
/// modes; `verify-ca` (and `require` with roots) needs a file of the database's own CA.
fn refuse_weak_roots(policy: &mut TlsPolicy, mode_given: bool) -> Result<(), String> {
    let system = policy
        .root_cert
        .as_ref()
        .is_some_and(|p| p.as_os_str() == "system");
    if system {
        if !mode_given {
            policy.mode = SslMode::VerifyFull;
        }
        if policy.mode != SslMode::VerifyFull {
            return Err("sslrootcert=system needs sslmode=verify-full: the system's roots \
                        vouch for every public name, so only the name check makes them mean anything"
                .into());
        }
    }
    if policy.mode == SslMode::VerifyCa && policy.root_cert.is_none() {
        return Err(
            "sslmode=verify-ca needs sslrootcert, a file of the database's own CA \
                    certificates (against the system's roots use verify-full)"
                .into(),
        );
    }
    Ok(())
}

/// The verifier behind every mode: the handshake's signatures are always checked; the
/// certificate's chain and name only as the mode asks.
#[derive(Debug)]
struct Verifier {
    check: Check,
    chain: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            )) if self.check == Check::Chain => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_sslrootcert_are_taken_out_of_urls_and_key_value_strings() {
        let (rest, policy) =
            split("postgres://a:b@db/x?application_name=attend&sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem")
                .expect("parses");
        assert_eq!(rest, "postgres://a:b@db/x?application_name=attend");
        assert_eq!(policy.mode, SslMode::VerifyFull);
        assert_eq!(policy.root_cert, Some(PathBuf::from("/etc/ca.pem")));
        assert_eq!(policy.check(), Check::ChainAndName);

        let (rest, policy) = split("host=db dbname=x sslmode=require").expect("parses");
        assert_eq!(rest, "host=db dbname=x");
        assert_eq!(
            (policy.check(), policy.driver_mode()),
            (Check::Nothing, DriverMode::Require)
        );

        let (rest, policy) = split("postgres://db/x").expect("parses");
        assert_eq!(rest, "postgres://db/x");
        assert_eq!(policy.mode, SslMode::Prefer, "libpq's default");
    }

    #[test]
    fn require_with_a_root_certificate_checks_the_chain_as_libpq_does() {
        let (_, policy) =
            split("postgres://db/x?sslmode=require&sslrootcert=ca.pem").expect("parses");
        assert_eq!(policy.check(), Check::Chain);
        let (_, policy) =
            split("postgres://db/x?sslmode=verify-ca&sslrootcert=ca.pem").expect("parses");
        assert_eq!(policy.check(), Check::Chain);
    }

    #[test]
    fn a_chain_only_check_never_trusts_the_systems_roots() {
        let err = split("postgres://db/x?sslmode=verify-ca").expect_err("no CA file");
        assert!(err.contains("verify-ca needs sslrootcert"), "{err}");
        for weak in ["require", "verify-ca", "prefer"] {
            let err = split(&format!(
                "postgres://db/x?sslmode={weak}&sslrootcert=system"
            ))
            .expect_err(weak);
            assert!(err.contains("needs sslmode=verify-full"), "{weak}: {err}");
        }
        let (_, policy) = split("postgres://db/x?sslrootcert=system").expect("parses");
        assert_eq!(
            policy.check(),
            Check::ChainAndName,
            "system means verify-full"
        );
        let (_, policy) = split("postgres://db/x?sslmode=verify-full").expect("parses");
        assert_eq!(
            (policy.check(), policy.root_cert),
            (Check::ChainAndName, None)
        );
    }

    #[test]
    fn an_unknown_sslmode_is_refused_by_name() {
        let err = split("postgres://db/x?sslmode=sometimes").expect_err("refused");
        assert!(err.contains("`sometimes`"), "{err}");
    }
}
