//! What every connection task shares: the cloud (with its persistence), the rate limiter, the
//! fault injector, the counters and the nonce cache, each behind its own lock.

use std::sync::Mutex;
use std::time::UNIX_EPOCH;

use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio_rustls::TlsAcceptor;

use crate::api::NonceCache;
use crate::cloud::Cloud;
use crate::config::EmulatorConfig;
use crate::error::Error;
use crate::faults::FaultInjector;
use crate::ratelimit::RateLimiter;
use crate::stats::Stats;
use crate::store::Store;
use crate::sync::lock;
use crate::tls;

/// The cloud and what must change with it under one lock.
pub(crate) struct State {
    pub(crate) cloud: Cloud,
    pub(crate) rng: StdRng,
    pub(crate) store: Option<Store>,
    /// The latest time an action ran at. Invariant: never decreases, so an action never sees a
    /// resource created "after" it, even when its clock was read before another took the lock.
    last_now_ms: i64,
}

impl State {
    /// The action time: the clock, read under the lock, never earlier than the last one.
    pub(crate) fn action_time(&mut self, clock_ms: i64) -> i64 {
        self.last_now_ms = self.last_now_ms.max(clock_ms);
        self.last_now_ms
    }
}

/// Everything the connection tasks share.
pub(crate) struct Shared {
    pub(crate) config: EmulatorConfig,
    pub(crate) state: Mutex<State>,
    pub(crate) limiter: Mutex<RateLimiter>,
    pub(crate) faults: Mutex<FaultInjector>,
    pub(crate) stats: Mutex<Stats>,
    pub(crate) nonces: Mutex<NonceCache>,
    /// Set when the configuration has a CA directory: the port then speaks https too.
    pub(crate) tls: Option<TlsAcceptor>,
}

impl Shared {
    pub(crate) fn new(config: EmulatorConfig) -> Result<Self, Error> {
        let fresh = Cloud::new(config.inventory.clone());
        let (store, cloud) = match &config.data_file {
            Some(path) => {
                let (store, cloud) = Store::open(path, fresh)?;
                (Some(store), cloud)
            }
            None => (None, fresh),
        };
        let tls = config.ca_dir.as_deref().map(tls::acceptor).transpose()?;
        Ok(Self {
            state: Mutex::new(State {
                cloud,
                rng: StdRng::seed_from_u64(config.seed),
                store,
                last_now_ms: i64::MIN,
            }),
            limiter: Mutex::new(RateLimiter::default()),
            faults: Mutex::new(FaultInjector::new(config.faults, config.seed)),
            stats: Mutex::new(Stats::default()),
            nonces: Mutex::new(NonceCache::default()),
            tls,
            config,
        })
    }

    /// Unix milliseconds of the injected clock.
    pub(crate) fn now_ms(&self) -> i64 {
        let now = self.config.clock.now();
        match now.duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_millis()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
        }
    }

    /// Runs `change` on the cloud with persistence: reload what other processes wrote, and for
    /// a mutation hold the cross-process lock and save before returning.
    pub(crate) fn with_cloud<T>(
        &self,
        mutating: bool,
        change: impl FnOnce(&mut State) -> (T, bool),
    ) -> Result<T, Error> {
        let mut state = lock(&self.state);
        let state = &mut *state;
        let Some(mut store) = state.store.take() else {
            return Ok(change(state).0);
        };
        let result = (|| {
            let _guard = if mutating { Some(store.lock()?) } else { None };
            store.refresh(&mut state.cloud)?;
            let (value, changed) = change(state);
            if changed {
                store.save(&state.cloud)?;
            }
            Ok(value)
        })();
        state.store = Some(store);
        result
    }
}
