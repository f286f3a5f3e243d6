//! https on the API port: a local CA made on first start, the server certificate it signed,
//! and the rustls acceptor built from them.
//!
//! The CA directory holds three files: `ca.pem` (the certificate clients trust), `server.pem`
//! (the server's certificate, for `127.0.0.1`, `::1` and `localhost`) and `server-key.pem`
//! (its private key, mode 0600). The CA's own private key signs the server certificate once and
//! is never written anywhere, so trusting `ca.pem` trusts this emulator's certificate and
//! nothing else that could ever be made.
//!
//! The directory is made whole or not at all: the files are written into a temporary
//! directory beside it, which is then renamed into place. Two emulators starting at once on
//! the same directory both succeed, and both use the one that was renamed first.

use std::fs;
use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use time::{Duration as TimeSpan, OffsetDateTime};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::Error;

/// The CA certificate clients are told to trust.
pub const CA_FILE: &str = "ca.pem";
/// The server certificate.
const CERT_FILE: &str = "server.pem";
/// The server certificate's private key (0600).
const KEY_FILE: &str = "server-key.pem";
/// The CA directory's name beside a data file and under the per-user data directory.
const DIR_NAME: &str = "emulator-ca";

/// How long the certificates are valid: long enough that a kept CA never surprises anyone,
/// with a day of slack before now for clocks that lag.
const VALIDITY_DAYS: i64 = 10 * 365;

/// Where the CA lives for an emulator persisting to `data_file`: `emulator-ca` beside it.
pub(crate) fn dir_beside(data_file: &Path) -> PathBuf {
    data_file
        .parent()
        .map_or_else(|| PathBuf::from(DIR_NAME), |dir| dir.join(DIR_NAME))
}

/// The per-user CA directory: `$XDG_DATA_HOME/snapform/emulator-ca` when `XDG_DATA_HOME` is an
/// absolute path, else `$HOME/.local/share/snapform/emulator-ca`; `None` without either.
///
/// The caller reads the environment (the library reads none) and passes the two values.
pub fn user_ca_dir(xdg_data_home: Option<&Path>, home: Option<&Path>) -> Option<PathBuf> {
    let data_home = match xdg_data_home.filter(|dir| dir.is_absolute()) {
        Some(dir) => dir.to_owned(),
        None => home
            .filter(|dir| !dir.as_os_str().is_empty())?
            .join(".local/share"),
    };
    Some(data_home.join("snapform").join(DIR_NAME))
}

/// The CA certificate's path in `dir`.
pub(crate) fn ca_file(dir: &Path) -> PathBuf {
    dir.join(CA_FILE)
}

/// Makes the CA and the server certificate in `dir` unless they are there already; a
/// directory holding some of the files but not all is an error naming a missing one.
pub(crate) fn ensure(dir: &Path) -> Result<(), Error> {
    let failed = |path: &Path, source: Box<dyn std::error::Error + Send + Sync>| Error::Tls {
        path: path.to_owned(),
        source,
    };
    let present = [CA_FILE, CERT_FILE, KEY_FILE].map(|name| dir.join(name).exists());
    if present.iter().any(|&there| there) {
        return match [CA_FILE, CERT_FILE, KEY_FILE]
            .into_iter()
            .zip(present)
            .find(|(_, there)| !there)
        {
            Some((missing, _)) => Err(failed(
                &dir.join(missing),
                Box::new(std::io::Error::from(std::io::ErrorKind::NotFound)),
            )),
            None => Ok(()),
        };
    }
    let generated = generate().map_err(|error| failed(dir, Box::new(error)))?;
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|error| failed(&parent, Box::new(error)))?;
    let name = dir
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or(DIR_NAME);
    let staging = parent.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    let result = write_all(&staging, &generated)
        .map_err(|error| failed(&staging, Box::new(error)))
        .and_then(|()| match fs::rename(&staging, dir) {
            Ok(()) => {
                sync_dir(&parent);
                Ok(())
            }
            // Another process made it first: theirs is as good as ours.
            Err(_) if dir.join(KEY_FILE).exists() => Ok(()),
            Err(error) => Err(failed(dir, Box::new(error))),
        });
    let _ = fs::remove_dir_all(&staging);
    result
}

/// Loads the server certificate and key in `dir` (made by [`ensure`]) into a TLS acceptor
/// that speaks HTTP/1.1.
pub(crate) fn acceptor(dir: &Path) -> Result<TlsAcceptor, Error> {
    ensure(dir)?;
    let cert_path = dir.join(CERT_FILE);
    let key_path = dir.join(KEY_FILE);
    let failed = |path: &Path, source: Box<dyn std::error::Error + Send + Sync>| Error::Tls {
        path: path.to_owned(),
        source,
    };
    let certs = CertificateDer::pem_file_iter(&cert_path)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .map_err(|error| failed(&cert_path, Box::new(error)))?;
    let key = PrivateKeyDer::from_pem_file(&key_path)
        .map_err(|error| failed(&key_path, Box::new(error)))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_no_client_auth().with_single_cert(certs, key))
        .map_err(|error| failed(&cert_path, Box::new(error)))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The three files' contents.
struct Generated {
    ca_pem: String,
    cert_pem: String,
    key_pem: String,
}

fn generate() -> Result<Generated, rcgen::Error> {
    let now = OffsetDateTime::now_utc();
    let not_before = now - TimeSpan::days(1);
    let not_after = now + TimeSpan::days(VALIDITY_DAYS);

    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::default();
    ca.distinguished_name = name(&format!(
        "snapform emulator local CA {}",
        now.unix_timestamp()
    ));
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = not_before;
    ca.not_after = not_after;
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca, ca_key);

    let server_key = KeyPair::generate()?;
    let mut server = CertificateParams::default();
    server.distinguished_name = name("snapform emulator");
    server.subject_alt_names = vec![
        SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        SanType::DnsName("localhost".try_into()?),
    ];
    server.is_ca = IsCa::ExplicitNoCa;
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.use_authority_key_identifier_extension = true;
    server.not_before = not_before;
    server.not_after = not_after;
    let server_cert = server.signed_by(&server_key, &issuer)?;
    Ok(Generated {
        ca_pem: ca_cert.pem(),
        cert_pem: server_cert.pem(),
        key_pem: server_key.serialize_pem(),
    })
}

fn name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name.push(DnType::OrganizationName, "snapform");
    name
}

fn write_all(staging: &Path, generated: &Generated) -> std::io::Result<()> {
    fs::create_dir(staging)?;
    write_file(&staging.join(CA_FILE), &generated.ca_pem, 0o644)?;
    write_file(&staging.join(CERT_FILE), &generated.cert_pem, 0o644)?;
    write_file(&staging.join(KEY_FILE), &generated.key_pem, 0o600)?;
    sync_dir(staging);
    Ok(())
}

/// Writes a new file with `mode` from the start (a key is never readable by others, not even
/// for a moment), and flushes it to disk.
fn write_file(path: &Path, text: &str, mode: u32) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Flushes a directory's entries; best effort, as not every platform can open a directory.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_per_user_directory_follows_xdg() {
        assert_eq!(
            user_ca_dir(Some(Path::new("/data")), Some(Path::new("/home/me"))),
            Some(PathBuf::from("/data/snapform/emulator-ca"))
        );
        // A relative XDG_DATA_HOME is invalid by the spec and ignored.
        assert_eq!(
            user_ca_dir(Some(Path::new("data")), Some(Path::new("/home/me"))),
            Some(PathBuf::from("/home/me/.local/share/snapform/emulator-ca"))
        );
        assert_eq!(user_ca_dir(None, None), None);
        assert_eq!(
            dir_beside(Path::new(".snapform/emulator.json")),
            PathBuf::from(".snapform/emulator-ca")
        );
    }

    #[test]
    fn the_ca_is_made_once_with_a_private_key_file() {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path().join("nested/emulator-ca");
        ensure(&dir).expect("made");
        let first = fs::read_to_string(ca_file(&dir)).expect("ca.pem");
        assert!(first.starts_with("-----BEGIN CERTIFICATE-----"));
        ensure(&dir).expect("kept");
        assert_eq!(fs::read_to_string(ca_file(&dir)).expect("ca.pem"), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(dir.join(KEY_FILE))
                .expect("key")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        acceptor(&dir).expect("the files load");
        // Nothing is left behind but the directory itself.
        let entries: Vec<_> = fs::read_dir(dir.parent().expect("parent"))
            .expect("list")
            .map(|entry| entry.expect("entry").file_name())
            .collect();
        assert_eq!(entries, vec![std::ffi::OsString::from("emulator-ca")]);
    }

    #[test]
    fn a_damaged_directory_is_an_error_naming_the_file() {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path().join("emulator-ca");
        ensure(&dir).expect("made");
        fs::write(dir.join(KEY_FILE), "not a key").expect("overwrite");
        let Err(error) = acceptor(&dir) else {
            panic!("a broken key is refused");
        };
        assert!(error.to_string().contains("server-key.pem"), "{error}");
        fs::remove_file(dir.join(CA_FILE)).expect("remove ca.pem");
        let Err(error) = acceptor(&dir) else {
            panic!("a directory without its CA is refused");
        };
        assert!(error.to_string().contains("ca.pem"), "{error}");
    }
}
