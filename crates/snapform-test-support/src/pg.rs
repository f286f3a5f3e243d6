//! A PostgreSQL cluster of the tests' own: `initdb` in a temporary directory, `pg_ctl start` on
//! a free loopback port with trust authentication, and a fresh database per test.
//!
//! The server binaries come from Debian's `postgresql` package (`/usr/lib/postgresql/N/bin`),
//! from `PATH`, or from `SNAPFORM_PG_BIN`. When they are missing the tests fail with a message
//! that says how to install them; they never skip.
//!
//! `initdb` refuses to run as root, and CI runs as root: the cluster's directory then belongs
//! to the `postgres` user and every server command runs as that user through `runuser`.
//!
//! Every cluster also speaks TLS, with a certificate for `127.0.0.1` and `localhost` signed by
//! a CA made for it ([`PgCluster::ca_file`]), so tests can check that the client verifies it.
//!
//! Two ways to hold a cluster:
//! - [`PgCluster::shared`]: one per test binary, started on first use. A static is never
//!   dropped, so a watcher process stops the server and removes its directory once the test
//!   binary has exited, however it exited.
//! - [`PgCluster::start`]: a cluster of one test's own (to stop the server under a running
//!   apply), stopped when dropped.
//!
//! Clusters left by test runs that were killed together with their watcher are stopped and
//! removed by the next start.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The prefix of every cluster directory, so leftovers can be found.
const DIR_PREFIX: &str = "snapform-pg-";

/// Where to get the server binaries, for the panic message.
const INSTALL_HINT: &str = "the PostgreSQL server binaries (initdb, pg_ctl, postgres) are missing: install Debian's postgresql package (`apt-get install -y postgresql`, which .ci/run does), or set SNAPFORM_PG_BIN to the directory that holds them";

/// A running PostgreSQL server owned by the tests.
#[derive(Debug)]
pub struct PgCluster {
    /// The directory holding `data/`, the socket and the log; removed when stopped.
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    /// Whether server commands run as the `postgres` user (the tests run as root).
    as_postgres: bool,
    /// Whether `Drop` stops it (a shared cluster is stopped by its watcher instead).
    owned: bool,
    stopped: Mutex<bool>,
}

static SHARED: OnceLock<PgCluster> = OnceLock::new();
static NEXT_DATABASE: AtomicU32 = AtomicU32::new(1);

/// The directory of the server binaries.
fn server_bin() -> PathBuf {
    if let Some(dir) = std::env::var_os("SNAPFORM_PG_BIN") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join("initdb").exists() && dir.join("pg_ctl").exists(),
            "SNAPFORM_PG_BIN={} holds no initdb and pg_ctl; {INSTALL_HINT}",
            dir.display()
        );
        return dir;
    }
    // Debian's own directory first: /usr/local/bin may hold links to one of them.
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").exists() && bin.join("pg_ctl").exists()).then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        if dir.join("initdb").exists() && dir.join("pg_ctl").exists() {
            return dir;
        }
    }
    panic!("{INSTALL_HINT}");
}

/// Whether this process runs as root, read from the owner of a file it creates.
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = tempfile::tempfile().expect("a temporary file");
    probe.metadata().expect("its metadata").uid() == 0
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

fn run(command: &mut Command, what: &str) {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|error| panic!("cannot run {what}: {error}; {INSTALL_HINT}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl PgCluster {
    /// The cluster every test of this binary shares, started on first use.
    pub fn shared() -> &'static PgCluster {
        SHARED.get_or_init(|| {
            let mut cluster = PgCluster::start();
            cluster.owned = false;
            cluster.watch(std::process::id());
            cluster
        })
    }

    /// A cluster of the caller's own, stopped and removed when dropped.
    pub fn start() -> PgCluster {
        reap_leftovers();
        let bin = server_bin();
        let as_postgres = is_root();
        let dir = tempfile::Builder::new()
            .prefix(DIR_PREFIX)
            .tempdir()
            .expect("a temporary directory")
            .keep();
        std::fs::write(dir.join("owner"), std::process::id().to_string()).expect("owner file");
        write_certificates(&dir);
        if as_postgres {
            run(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(&dir),
                "chown of the cluster directory to postgres",
            );
        }
        let mut cluster = PgCluster {
            dir,
            bin,
            port: 0,
            as_postgres,
            owned: true,
            stopped: Mutex::new(false),
        };
        let data = cluster.data_dir();
        run(
            cluster.server_command("initdb").arg("-D").arg(&data).args([
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]),
            "initdb",
        );
        // A port found free may be taken before the server binds it: try a few.
        for attempt in 0..5 {
            cluster.port = free_port();
            let options = cluster.server_options();
            let status = cluster
                .server_command("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(cluster.dir.join("server.log"))
                .args(["-w", "-t", "60", "-o", &options, "start"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap_or_else(|error| panic!("cannot run pg_ctl: {error}; {INSTALL_HINT}"));
            if status.success() {
                return cluster;
            }
            assert!(
                attempt < 4,
                "pg_ctl start failed five times; the server log says:\n{}",
                std::fs::read_to_string(cluster.dir.join("server.log")).unwrap_or_default()
            );
        }
        unreachable!("the loop returns or panics")
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// A command of the server's binaries, run as `postgres` when the tests run as root.
    fn server_command(&self, name: &str) -> Command {
        let program = self.bin.join(name);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    /// Starts a process that stops the server and removes its directory once `pid` exits.
    #[expect(
        clippy::zombie_processes,
        reason = "the watcher outlives this process on purpose; init reaps it"
    )]
    fn watch(&self, pid: u32) {
        let stop = self.stop_script();
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop}; rm -rf '{}'",
            self.dir.display()
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the cluster's watcher starts");
    }

    fn stop_script(&self) -> String {
        let pg_ctl = self.bin.join("pg_ctl");
        let prefix = if self.as_postgres {
            "runuser -u postgres -- "
        } else {
            ""
        };
        format!(
            "{prefix}'{}' -D '{}' -m immediate -w stop >/dev/null 2>&1",
            pg_ctl.display(),
            self.data_dir().display()
        )
    }

    /// The PEM file of the CA that signed the server's certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The server's options: the port, loopback only, its socket directory, TLS, and no
    /// fsync (the tests stop clients, never the machine).
    fn server_options(&self) -> String {
        format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {dir} -c fsync=off -c full_page_writes=off -c max_connections=200 -c ssl=on -c ssl_cert_file={dir}/server.crt -c ssl_key_file={dir}/server.key",
            self.port,
            dir = self.dir.display()
        )
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection string for `dbname` as the superuser `postgres` (trust authentication).
    pub fn conn_str(&self, dbname: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname={dbname}",
            self.port
        )
    }

    /// A new, empty database, dropped when the guard is.
    pub fn database(&self) -> TestDatabase<'_> {
        let name = format!(
            "t{}_{}",
            std::process::id(),
            NEXT_DATABASE.fetch_add(1, Ordering::Relaxed)
        );
        self.execute("postgres", &format!("CREATE DATABASE {name}"));
        TestDatabase {
            cluster: self,
            name,
        }
    }

    /// Runs `sql` (one or more statements) in `dbname` as the superuser.
    pub fn execute(&self, dbname: &str, sql: &str) {
        self.query(dbname, sql);
    }

    /// Runs `sql` in `dbname` and returns the rows of its last statement as text.
    pub fn query(&self, dbname: &str, sql: &str) -> Vec<Vec<Option<String>>> {
        let conn_str = self.conn_str(dbname);
        let sql = sql.to_owned();
        // A thread with a runtime of its own, so tests inside a tokio runtime can call it.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let (client, connection) =
                    tokio_postgres::connect(&conn_str, tokio_postgres::NoTls)
                        .await
                        .unwrap_or_else(|error| {
                            panic!("cannot connect to the test cluster: {error}")
                        });
                tokio::spawn(connection);
                let messages = client
                    .simple_query(&sql)
                    .await
                    .unwrap_or_else(|error| panic!("{sql}: {error:?}"));
                let mut rows = Vec::new();
                for message in messages {
                    match message {
                        tokio_postgres::SimpleQueryMessage::Row(row) => rows.push(
                            (0..row.len())
                                .map(|idx| row.get(idx).map(str::to_owned))
                                .collect(),
                        ),
                        tokio_postgres::SimpleQueryMessage::CommandComplete(_) => {}
                        _ => rows.clear(),
                    }
                }
                rows
            })
        })
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }

    /// Stops the server at once (as a crash would), keeping its data.
    pub fn stop(&self) {
        let mut stopped = self.stopped.lock().unwrap_or_else(|p| p.into_inner());
        if !*stopped {
            let _ = Command::new("sh")
                .args(["-c", &self.stop_script()])
                .stdin(Stdio::null())
                .status();
            *stopped = true;
        }
    }

    /// Starts the stopped server again on the same port.
    pub fn restart(&self) {
        let mut stopped = self.stopped.lock().unwrap_or_else(|p| p.into_inner());
        let options = self.server_options();
        run(
            self.server_command("pg_ctl")
                .arg("-D")
                .arg(self.data_dir())
                .arg("-l")
                .arg(self.dir.join("server.log"))
                .args(["-w", "-t", "60", "-o", &options, "start"])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
            "pg_ctl start",
        );
        *stopped = false;
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if self.owned {
            self.stop();
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A database of one test's own, dropped (with its sessions) when the guard is.
#[derive(Debug)]
pub struct TestDatabase<'c> {
    cluster: &'c PgCluster,
    name: String,
}

impl TestDatabase<'_> {
    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A connection string for it.
    pub fn conn_str(&self) -> String {
        self.cluster.conn_str(&self.name)
    }

    /// Runs `sql` in it and returns the rows of its last statement as text.
    pub fn query(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        self.cluster.query(&self.name, sql)
    }

    /// Runs `sql` in it.
    pub fn execute(&self, sql: &str) {
        self.cluster.execute(&self.name, sql);
    }

    /// The first column of the first row of `sql`'s result.
    pub fn scalar(&self, sql: &str) -> Option<String> {
        self.query(sql)
            .into_iter()
            .next()
            .and_then(|row| row.into_iter().next())
            .flatten()
    }

    /// Ends every session connected to it except the caller's, as a dropped network would.
    pub fn terminate_sessions(&self) {
        self.cluster.execute(
            "postgres",
            &format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()",
                self.name
            ),
        );
    }

    /// Refuses new connections and ends the open ones: the database stays away until
    /// [`TestDatabase::come_back`].
    pub fn go_away(&self) {
        self.cluster.execute(
            "postgres",
            &format!("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false", self.name),
        );
        self.terminate_sessions();
    }

    /// Accepts connections again after [`TestDatabase::go_away`].
    pub fn come_back(&self) {
        self.cluster.execute(
            "postgres",
            &format!("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true", self.name),
        );
    }
}

impl Drop for TestDatabase<'_> {
    fn drop(&mut self) {
        if !*self
            .cluster
            .stopped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
        {
            let _ = std::panic::catch_unwind(|| {
                self.cluster.execute(
                    "postgres",
                    &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
                );
            });
        }
    }
}

/// Stops and removes clusters whose test process is gone and whose watcher did not (both were
/// killed together, as a CI timeout does).
fn reap_leftovers() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(DIR_PREFIX) {
            continue;
        }
        let dir = entry.path();
        let Some(owner) = std::fs::read_to_string(dir.join("owner"))
            .ok()
            .and_then(|text| text.trim().parse::<u32>().ok())
        else {
            continue;
        };
        if Path::new(&format!("/proc/{owner}")).exists() {
            continue;
        }
        // pg_ctl stops the server and its shared memory cleanly; a kill is the fallback.
        let leftover = PgCluster {
            dir: dir.clone(),
            bin: server_bin(),
            port: 0,
            as_postgres: is_root(),
            owned: false,
            stopped: Mutex::new(false),
        };
        let _ = Command::new("sh")
            .args(["-c", &leftover.stop_script()])
            .stdin(Stdio::null())
            .status();
        let postmaster = std::fs::read_to_string(dir.join("data").join("postmaster.pid"))
            .ok()
            .and_then(|text| {
                text.lines()
                    .next()
                    .and_then(|line| line.trim().parse::<u32>().ok())
            });
        if let Some(pid) = postmaster {
            let _ = Command::new("kill")
                .args(["-9", &pid.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Writes a CA (`ca.pem`) and a server certificate for `127.0.0.1` and `localhost` signed by
/// it (`server.crt`, and `server.key` readable by its owner only, as the server demands).
fn write_certificates(dir: &Path) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
    let ca_key = KeyPair::generate().expect("a CA key");
    let mut ca = CertificateParams::default();
    ca.distinguished_name
        .push(DnType::CommonName, "snapform test cluster CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let ca_cert = ca.self_signed(&ca_key).expect("the CA certificate");
    let issuer = Issuer::new(ca, ca_key);
    let server_key = KeyPair::generate().expect("a server key");
    let mut server = CertificateParams::default();
    server
        .distinguished_name
        .push(DnType::CommonName, "snapform test cluster");
    server.subject_alt_names = vec![
        SanType::IpAddress(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)),
        SanType::DnsName("localhost".try_into().expect("a DNS name")),
    ];
    let server_cert = server
        .signed_by(&server_key, &issuer)
        .expect("the server certificate");
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).expect("ca.pem");
    std::fs::write(dir.join("server.crt"), server_cert.pem()).expect("server.crt");
    let key = dir.join("server.key");
    std::fs::write(&key, server_key.serialize_pem()).expect("server.key");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}
