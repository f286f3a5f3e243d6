//! TLS for the `pg` backend: rustls with aws-lc-rs (the TLS stack reqwest and the emulator
//! already build, so it adds no second one), certificates always checked against the system's
//! CAs plus those of an optional CA file (a managed database's own CA), and a small adapter
//! from tokio-rustls to tokio-postgres's TLS traits.
//!
//! Which connections use TLS: an `sslmode` the connection string sets is kept (`disable`,
//! `prefer`, `require`; with TLS the certificate is always verified, unlike libpq's `require`).
//! Without one, a server on this machine (loopback, `localhost` or a Unix socket) is reached in
//! plain text, as plain http is on loopback, and any other server only over TLS: the state,
//! sensitive values included, never crosses a network in the clear unless the connection
//! string says `sslmode=disable`.

use std::future::Future;
use std::net::IpAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, InvalidDnsNameError, ServerName};

use crate::Error;

/// Sets the TLS mode when the connection string did not (`sslmode_given`).
pub(super) fn choose_ssl_mode(config: &mut tokio_postgres::Config, sslmode_given: bool) {
    if sslmode_given {
        return;
    }
    let local = config.get_hosts().iter().all(|host| match host {
        Host::Tcp(name) => {
            name == "localhost" || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        Host::Unix(_) => true,
    });
    config.ssl_mode(if local {
        SslMode::Disable
    } else {
        SslMode::Require
    });
}

/// Makes TLS connections that check the server's certificate.
#[derive(Clone)]
pub(super) struct Tls {
    config: Arc<rustls::ClientConfig>,
}

impl Tls {
    /// Trusts the system's CAs and, with `ca_file`, the PEM certificates in it.
    pub(super) fn new(ca_file: Option<&Path>) -> Result<Tls, Error> {
        let extra_roots = match ca_file {
            Some(path) => {
                let roots: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                    .and_then(|certificates| certificates.collect())
                    .map_err(|error| Error::Settings {
                        reason: format!(
                            "the pg backend's ca_file {} cannot be read as PEM certificates: {error}",
                            path.display()
                        ),
                    })?;
                if roots.is_empty() {
                    return Err(Error::Settings {
                        reason: format!(
                            "the pg backend's ca_file {} holds no certificate",
                            path.display()
                        ),
                    });
                }
                roots
            }
            None => Vec::new(),
        };
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls_error = |error: rustls::Error| Error::Settings {
            reason: format!("cannot set up TLS for the pg backend: {error}"),
        };
        let verifier =
            rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())
                .map_err(tls_error)?;
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(Tls {
            config: Arc::new(config),
        })
    }
}

impl<S> MakeTlsConnect<S> for Tls
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = Stream<S>;
    type TlsConnect = Connect;
    type Error = InvalidDnsNameError;

    fn make_tls_connect(&mut self, domain: &str) -> Result<Connect, InvalidDnsNameError> {
        Ok(Connect {
            connector: tokio_rustls::TlsConnector::from(self.config.clone()),
            name: ServerName::try_from(domain)?.to_owned(),
        })
    }
}

/// One connection's handshake, for the server name it was made for.
pub(super) struct Connect {
    connector: tokio_rustls::TlsConnector,
    name: ServerName<'static>,
}

impl<S> TlsConnect<S> for Connect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = Stream<S>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Stream<S>, std::io::Error>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            let stream = self.connector.connect(self.name, stream).await?;
            Ok(Stream(stream))
        })
    }
}

/// A TLS connection to the server.
pub(super) struct Stream<S>(tokio_rustls::client::TlsStream<S>);

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Stream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Stream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for Stream<S> {
    /// No channel binding: SCRAM authenticates without it, as libpq's default `prefer` does
    /// against a server that offers none.
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(conn_str: &str) -> SslMode {
        let mut config: tokio_postgres::Config = conn_str.parse().expect("valid");
        choose_ssl_mode(&mut config, conn_str.contains("sslmode"));
        config.get_ssl_mode()
    }

    #[test]
    fn only_servers_on_this_machine_are_reached_in_plain_text_unless_the_string_says_so() {
        assert_eq!(mode("host=127.0.0.1 user=u"), SslMode::Disable);
        assert_eq!(mode("host=localhost user=u"), SslMode::Disable);
        assert_eq!(mode("host=::1 user=u"), SslMode::Disable);
        assert_eq!(mode("host=/var/run/postgresql user=u"), SslMode::Disable);
        assert_eq!(mode("host=db.example.com user=u"), SslMode::Require);
        assert_eq!(mode("postgres://u@10.0.0.5/state"), SslMode::Require);
        assert_eq!(
            mode("host=127.0.0.1,db.example.com user=u"),
            SslMode::Require,
            "every host must be local"
        );
        assert_eq!(
            mode("host=db.example.com user=u sslmode=disable"),
            SslMode::Disable
        );
        assert_eq!(
            mode("postgres://u@db.example.com/state?sslmode=prefer"),
            SslMode::Prefer
        );
        assert_eq!(
            mode("host=127.0.0.1 user=u sslmode=require"),
            SslMode::Require
        );
    }
}
