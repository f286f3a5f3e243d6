//! Client-side rate limiting: a token bucket per (region, API action), so snapform stays under
//! each API's documented limit (20 requests/s) instead of being throttled.
//!
//! Written on `tokio::time` rather than with governor, so tests can run it on tokio's paused
//! clock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// A token bucket: up to `capacity` requests at once, refilled at `rate` per second.
#[derive(Debug)]
struct TokenBucket {
    rate: f64,
    capacity: f64,
    /// Invariant: `tokens <= capacity`; may go negative when callers reserve ahead.
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    /// A full bucket refilled at `rate` per second.
    ///
    /// The burst is half a second of requests, not a whole one. The cloud's own bucket holds a
    /// whole second, so requests that arrive a little bunched (network jitter, a slow
    /// connection) still find tokens there: sending at exactly the cloud's rate with the
    /// cloud's burst gets the odd request throttled. The steady rate is unchanged.
    fn new(rate: f64) -> TokenBucket {
        let rate = rate.max(0.001);
        let capacity = (rate / 2.0).max(1.0);
        TokenBucket {
            rate,
            capacity,
            state: Mutex::new((capacity, Instant::now())),
        }
    }

    /// Takes one token and returns how long the caller must wait before sending. Reserving
    /// ahead keeps the order fair: callers wait in the order they asked.
    fn reserve(&self) -> Duration {
        let mut state = self
            .state
            .lock()
            .expect("the bucket's lock is never poisoned");
        let now = Instant::now();
        let (tokens, last) = *state;
        let refilled =
            (tokens + now.duration_since(last).as_secs_f64() * self.rate).min(self.capacity);
        let after = refilled - 1.0;
        *state = (after, now);
        if after >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-after / self.rate)
        }
    }

    /// Waits for a token.
    async fn acquire(&self) {
        let wait = self.reserve();
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Empties the bucket after the cloud said it was throttling us, so the next requests
    /// slow down.
    fn drain(&self) {
        let mut state = self
            .state
            .lock()
            .expect("the bucket's lock is never poisoned");
        *state = (0.0_f64.min(state.0), Instant::now());
    }
}

/// The API calls allowed in flight at once (`-parallelism`), shared by every provider of a
/// run. A client takes a slot only after its rate-limit token, so calls waiting for a token
/// never hold slots that other actions could use.
#[derive(Debug, Clone)]
pub struct CallSlots(Arc<tokio::sync::Semaphore>);

impl CallSlots {
    /// `n` slots (at least one).
    pub fn new(n: usize) -> CallSlots {
        CallSlots(Arc::new(tokio::sync::Semaphore::new(n.max(1))))
    }

    /// Waits for a slot, held until the permit is dropped.
    async fn acquire(&self) -> tokio::sync::SemaphorePermit<'_> {
        self.0
            .acquire()
            .await
            .expect("the call slots are never closed")
    }
}

/// The buckets of a limiter, by (region, action).
type Buckets = HashMap<(String, String), Arc<TokenBucket>>;

/// One token bucket per (region, action), created on first use.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    rate: f64,
    buckets: Arc<Mutex<Buckets>>,
}

impl RateLimiter {
    /// A limiter allowing `rate` requests per second per (region, action).
    pub fn new(rate: f64) -> RateLimiter {
        RateLimiter {
            rate,
            buckets: Arc::default(),
        }
    }

    /// The bucket of one (region, action).
    fn bucket(&self, region: &str, action: &str) -> Arc<TokenBucket> {
        let mut buckets = self
            .buckets
            .lock()
            .expect("the limiter's lock is never poisoned");
        buckets
            .entry((region.to_owned(), action.to_owned()))
            .or_insert_with(|| Arc::new(TokenBucket::new(self.rate)))
            .clone()
    }

    /// Waits until a request of `action` in `region` may be sent.
    async fn acquire(&self, region: &str, action: &str) {
        let bucket = self.bucket(region, action);
        bucket.acquire().await;
    }

    /// Waits until a request of `action` in `region` may be sent: for its rate-limit token,
    /// then for one of `slots` if given. Hold the returned slot until the answer is read.
    pub async fn admit<'s>(
        &self,
        region: &str,
        action: &str,
        slots: Option<&'s CallSlots>,
    ) -> Option<tokio::sync::SemaphorePermit<'s>> {
        self.acquire(region, action).await;
        match slots {
            Some(slots) => Some(slots.acquire().await),
            None => None,
        }
    }

    /// Empties the bucket of (region, action) after the cloud said it was throttling us, so
    /// the next requests slow down.
    pub fn throttled(&self, region: &str, action: &str) {
        self.bucket(region, action).drain();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_bucket_never_exceeds_its_rate() {
        let bucket = TokenBucket::new(20.0);
        let started = Instant::now();
        for _ in 0..100 {
            bucket.acquire().await;
        }
        // 10 at once, then 90 more at 20 per second: 4.5 seconds.
        let elapsed = started.elapsed().as_secs_f64();
        assert!((4.45..=4.55).contains(&elapsed), "took {elapsed}s");
    }

    #[tokio::test(start_paused = true)]
    async fn in_any_second_at_most_rate_plus_burst_requests_start() {
        let bucket = Arc::new(TokenBucket::new(10.0));
        let mut starts = Vec::new();
        let started = Instant::now();
        for _ in 0..55 {
            bucket.acquire().await;
            starts.push(started.elapsed().as_secs_f64());
        }
        for window_start in 0..5 {
            let from = window_start as f64 + 0.5;
            let n = starts
                .iter()
                .filter(|t| **t >= from && **t < from + 1.0)
                .count();
            assert!(n <= 11, "{n} requests in the second from {from}s");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn actions_and_regions_have_separate_buckets() {
        let limiter = RateLimiter::new(2.0);
        let started = Instant::now();
        limiter.acquire("ap-guangzhou", "CreateDiskBackup").await;
        limiter.acquire("ap-guangzhou", "DescribeDiskBackups").await;
        limiter.acquire("ap-shanghai", "CreateDiskBackup").await;
        assert_eq!(started.elapsed(), Duration::ZERO);
        limiter.acquire("ap-guangzhou", "CreateDiskBackup").await;
        assert_eq!(started.elapsed(), Duration::from_millis(500));
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_empties_the_bucket_and_slots_bound_calls_in_flight() {
        let limiter = RateLimiter::new(4.0);
        let started = Instant::now();
        limiter
            .admit("ap-guangzhou", "CreateDiskBackup", None)
            .await;
        limiter.throttled("ap-guangzhou", "CreateDiskBackup");
        limiter
            .admit("ap-guangzhou", "CreateDiskBackup", None)
            .await;
        assert_eq!(started.elapsed(), Duration::from_millis(250));

        let slots = CallSlots::new(1);
        let held = limiter.admit("ap-shanghai", "A", Some(&slots)).await;
        assert!(held.is_some());
        let waiting = limiter.admit("ap-shanghai", "B", Some(&slots));
        tokio::pin!(waiting);
        assert!(
            tokio::time::timeout(Duration::from_secs(5), &mut waiting)
                .await
                .is_err(),
            "the only slot is held"
        );
        drop(held);
        assert!(waiting.await.is_some());
    }
}
