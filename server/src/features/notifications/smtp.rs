//! The SMTP sender: each message goes out as `multipart/alternative` (plain text, then HTML) over
//! a new connection secured as `[mail].tls` says, authenticated when `[mail]` names a user.
//!
//! A refusal is sorted by what trying again could change: an SMTP 5xx, or an address that cannot
//! be parsed, is permanent; a 4xx, a refused or dropped connection, a timeout or a TLS failure
//! is temporary (the worker retries with backoff, then gives up).

use std::net::IpAddr;
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Mail;
use super::mail::{MailSender, SendError};
use crate::config::{MailSettings, MailTls};

/// A `[mail]` setting that cannot work, named.
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error("mail.from {0:?} is not an address like `Attend <attend@example.com>`")]
    From(String),
    #[error("mail.username and mail.password go together: set both or neither")]
    HalfCredentials,
    #[error(
        "mail.tls = \"none\" sends mail and passwords in clear: it is allowed only for a server on loopback, not {0:?}"
    )]
    PlainRemote(String),
    #[error("mail.host {host:?}: {error}")]
    Tls { host: String, error: String },
    #[error("mail.ca_file {path}: {error}")]
    CaFile { path: String, error: String },
}

/// Sends through one SMTP server.
#[derive(Debug)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl SmtpSender {
    /// Checks `[mail]` and prepares the transport (no connection is made until the first mail).
    pub fn new(settings: &MailSettings) -> Result<Self, MailConfigError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|_| MailConfigError::From(settings.from.clone()))?;
        let host = settings.host.trim();
        let ca = settings.ca_file.as_ref().map(ca_certificate).transpose()?;
        let tls = |host: &str| {
            let mut builder = TlsParameters::builder(host.to_owned());
            if let Some(ca) = &ca {
                builder = builder.add_root_certificate(ca.clone());
            }
            builder.build().map_err(|e| MailConfigError::Tls {
                host: host.to_owned(),
                error: e.to_string(),
            })
        };
        let (security, default_port) = match settings.tls {
            MailTls::Starttls => (Tls::Required(tls(host)?), 587),
            MailTls::Tls => (Tls::Wrapper(tls(host)?), 465),
            MailTls::None if is_loopback(host) => (Tls::None, 25),
            MailTls::None => return Err(MailConfigError::PlainRemote(host.to_owned())),
        };
        let timeout = Duration::from_secs(settings.timeout_s.max(1));
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(settings.port.unwrap_or(default_port))
            .tls(security)
            .timeout(Some(timeout));
        match (&settings.username, &settings.password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
            }
            (None, None) => {}
            _ => return Err(MailConfigError::HalfCredentials),
        }
        Ok(Self {
            transport: builder.build(),
            from,
            timeout,
        })
    }

    /// The longest one message may take, the whole exchange (the worker's lease is longer).
    pub fn timeout(&self) -> Duration {
        self.timeout * 3
    }

    fn message(&self, mail: &Mail) -> Result<Message, SendError> {
        let to: Mailbox = mail.recipient.parse().map_err(|e| {
            SendError::Permanent(format!(
                "recipient {:?} is not an address: {e}",
                mail.recipient
            ))
        })?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone());
        let built = match &mail.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                mail.body.clone(),
                html.clone(),
            )),
            None => builder.singlepart(SinglePart::plain(mail.body.clone())),
        };
        built.map_err(|e| SendError::Permanent(format!("the message cannot be built: {e}")))
    }
}

#[async_trait]
impl MailSender for SmtpSender {
    async fn send(&self, mail: &Mail) -> Result<(), SendError> {
        let message = self.message(mail)?;
        // lettre's own timeout covers each read and write; this one bounds the whole exchange,
        // so a server that trickles answers cannot hold the worker past its lease.
        let sent = tokio::time::timeout(self.timeout(), self.transport.send(message)).await;
        match sent {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Ok(Err(e)) => Err(SendError::Temporary(error_chain(&e))),
            Err(_) => Err(SendError::Temporary(format!(
                "no answer from the SMTP server within {} s",
                self.timeout().as_secs()
            ))),
        }
    }
}

/// The extra CA `mail.ca_file` names.
fn ca_certificate(path: &std::path::PathBuf) -> Result<Certificate, MailConfigError> {
    let failed = |error: String| MailConfigError::CaFile {
        path: path.display().to_string(),
        error,
    };
    let pem = std::fs::read(path).map_err(|e| failed(e.to_string()))?;
    Certificate::from_pem(&pem).map_err(|e| failed(format!("not a PEM certificate: {e}")))
}

/// An error with its causes, so "Connection refused" is not hidden behind "network error".
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        // lettre's messages already include their cause's text; say each cause once.
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{MailConfigError, SmtpSender};
    use crate::config::{MailSettings, MailTls};

    fn settings() -> MailSettings {
        MailSettings {
            host: "smtp.example.com".into(),
            port: None,
            tls: MailTls::Starttls,
            username: None,
            password: None,
            from: "Attend <attend@example.com>".into(),
            ca_file: None,
            timeout_s: 30,
        }
    }

    #[test]
    fn plaintext_is_refused_for_a_remote_server_and_allowed_on_loopback() {
        let remote = MailSettings {
            tls: MailTls::None,
            ..settings()
        };
        assert!(matches!(
            SmtpSender::new(&remote),
            Err(MailConfigError::PlainRemote(_))
        ));
        for host in ["127.0.0.1", "localhost", "[::1]"] {
            let local = MailSettings {
                host: host.into(),
                ..remote.clone()
            };
            assert!(SmtpSender::new(&local).is_ok(), "{host}");
        }
    }

    #[test]
    fn a_bad_sender_or_half_credentials_are_named() {
        let bad_from = MailSettings {
            from: "not an address".into(),
            ..settings()
        };
        let err = SmtpSender::new(&bad_from).expect_err("refused");
        assert!(err.to_string().contains("mail.from"), "{err}");
        let half = MailSettings {
            username: Some("u".into()),
            ..settings()
        };
        assert!(matches!(
            SmtpSender::new(&half),
            Err(MailConfigError::HalfCredentials)
        ));
        assert!(SmtpSender::new(&settings()).is_ok());
        let no_ca = MailSettings {
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..settings()
        };
        let err = SmtpSender::new(&no_ca).expect_err("refused");
        assert!(
            err.to_string()
                .starts_with("mail.ca_file /nonexistent/ca.pem"),
            "{err}"
        );
    }
}
