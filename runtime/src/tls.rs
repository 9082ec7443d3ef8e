//! Serving HTTPS directly (rustls), with the certificate reloaded from its files when
//! they change (a renewed certificate needs no restart), and the rule for plain HTTP:
//! only on loopback, or behind a proxy declared in configuration.
//!
//! `TlsListener` plugs into `axum::serve` like a `TcpListener`; handshakes run
//! concurrently (a slow client cannot hold up the others) and time out.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use clap::Args;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

#[derive(Debug, Clone, Args)]
pub struct TlsSettings {
    /// PEM certificate chain; with TLS_KEY_FILE, serve HTTPS (reloaded when it changes).
    #[arg(long, env = "TLS_CERT_FILE", requires = "tls_key_file")]
    pub tls_cert_file: Option<PathBuf>,
    /// PEM private key of the certificate.
    #[arg(long, env = "TLS_KEY_FILE", requires = "tls_cert_file")]
    pub tls_key_file: Option<PathBuf>,
    /// Seconds between checks of the certificate files for a renewal.
    #[arg(long, env = "TLS_RELOAD_SECS", default_value_t = 30)]
    pub tls_reload_secs: u64,
    /// Declares that a TLS-terminating proxy is in front: plain HTTP is then allowed
    /// on a non-loopback address.
    #[arg(long, env = "BEHIND_TLS_PROXY", default_value_t = false)]
    pub behind_tls_proxy: bool,
}

impl TlsSettings {
    pub fn enabled(&self) -> bool {
        self.tls_cert_file.is_some()
    }

    /// Plain HTTP is refused on a non-loopback address unless a proxy is declared:
    /// keys and tokens must never cross a network in clear.
    pub fn check_plain_http(&self, addr: SocketAddr) -> anyhow::Result<()> {
        if self.enabled() || addr.ip().is_loopback() || self.behind_tls_proxy {
            return Ok(());
        }
        anyhow::bail!(
            "refusing plain HTTP on {addr}: set TLS_CERT_FILE and TLS_KEY_FILE, listen on loopback, \
             or declare BEHIND_TLS_PROXY=true"
        )
    }
}

impl TlsSettings {
    /// Behind a proxy every client arrives from the proxy's address: without the
    /// proxies declared, all of them would share one rate-limit bucket and one
    /// failed-authentication budget (20 bad tokens from anyone would lock every Ops
    /// agent out). So a declared TLS proxy needs its addresses too.
    pub fn check_proxies(
        &self,
        trusted: &crate::client_address::TrustedProxies,
        setting: &str,
    ) -> anyhow::Result<()> {
        anyhow::ensure!(
            !self.behind_tls_proxy || !trusted.is_empty(),
            "BEHIND_TLS_PROXY is set but {setting} is empty: list the proxies' addresses so \
             that each client is told apart by its own address"
        );
        Ok(())
    }
}

fn load(cert: &Path, key: &Path) -> anyhow::Result<Arc<ServerConfig>> {
    let certs = CertificateDer::pem_file_iter(cert)
        .map_err(|e| anyhow::anyhow!("TLS_CERT_FILE {}: {e}", cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("TLS_CERT_FILE {}: {e}", cert.display()))?;
    anyhow::ensure!(
        !certs.is_empty(),
        "TLS_CERT_FILE {} holds no certificate",
        cert.display()
    );
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| anyhow::anyhow!("TLS_KEY_FILE {}: {e}", key.display()))?;
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn modified(paths: [&Path; 2]) -> Option<[SystemTime; 2]> {
    let m = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    Some([m(paths[0])?, m(paths[1])?])
}

pub struct TlsListener {
    incoming: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Loads the certificate (a bad one fails startup), then accepts and reloads.
    pub fn start(tcp: TcpListener, s: &TlsSettings) -> anyhow::Result<Self> {
        let (cert, key) = match (&s.tls_cert_file, &s.tls_key_file) {
            (Some(c), Some(k)) => (c.clone(), k.clone()),
            _ => anyhow::bail!("TLS needs TLS_CERT_FILE and TLS_KEY_FILE"),
        };
        let current = Arc::new(RwLock::new(load(&cert, &key)?));
        let local = tcp.local_addr()?;
        let reloading = current.clone();
        let every = Duration::from_secs(s.tls_reload_secs.max(1));
        tokio::spawn(async move {
            let mut seen = modified([&cert, &key]);
            loop {
                tokio::time::sleep(every).await;
                let now = modified([&cert, &key]);
                if now.is_none() || now == seen {
                    continue;
                }
                match load(&cert, &key) {
                    Ok(config) => {
                        *reloading.write().unwrap_or_else(|p| p.into_inner()) = config;
                        seen = now;
                        tracing::info!("TLS certificate reloaded");
                    }
                    // Keep serving the previous one; try again next time.
                    Err(e) => tracing::warn!(error = %e, "TLS certificate not reloaded"),
                }
            }
        });
        let (tx, incoming) = mpsc::channel(256);
        tokio::spawn(async move {
            loop {
                let (stream, peer) = match tcp.accept().await {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let acceptor =
                    TlsAcceptor::from(current.read().unwrap_or_else(|p| p.into_inner()).clone());
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Ok(Ok(tls)) =
                        tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await
                    {
                        let _ = tx.send((tls, peer)).await;
                    }
                });
            }
        });
        Ok(Self { incoming, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.incoming.recv().await {
            Some(c) => c,
            // The accept task never ends while the process runs.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_loopback_or_behind_a_declared_proxy() {
        let s = |proxy| TlsSettings {
            tls_cert_file: None,
            tls_key_file: None,
            tls_reload_secs: 30,
            behind_tls_proxy: proxy,
        };
        assert!(s(false)
            .check_plain_http("127.0.0.1:8080".parse().unwrap())
            .is_ok());
        assert!(s(false)
            .check_plain_http("0.0.0.0:8080".parse().unwrap())
            .is_err());
        assert!(s(true)
            .check_plain_http("0.0.0.0:8080".parse().unwrap())
            .is_ok());
    }

    /// Defect (issue 16.6): behind a proxy without trusted proxies every plugin shared
    /// one bucket; such a configuration is now refused at startup.
    #[test]
    fn a_declared_proxy_needs_its_addresses() {
        use crate::client_address::TrustedProxies;
        let s = |proxy| TlsSettings {
            tls_cert_file: None,
            tls_key_file: None,
            tls_reload_secs: 30,
            behind_tls_proxy: proxy,
        };
        let none = TrustedProxies::default();
        let one = TrustedProxies::parse(&["127.0.0.1".into()], "P").unwrap();
        assert!(s(true).check_proxies(&none, "P").is_err());
        assert!(s(true).check_proxies(&one, "P").is_ok());
        assert!(s(false).check_proxies(&none, "P").is_ok());
    }
}
