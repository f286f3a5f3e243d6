//! Per-(service, region, action) token buckets: capacity = rate, refilled at rate per second.
//!
//! Uses the monotonic clock, not the injected wall clock: throttling is about real request
//! spacing, and a test that moves the wall clock must not refill every bucket.

use std::collections::HashMap;
use std::time::Instant;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Token buckets keyed by `service/region/action`.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    buckets: HashMap<String, Bucket>,
}

impl RateLimiter {
    /// Takes a token; false when the bucket is empty. A rate of 0 never throttles.
    pub(crate) fn allow(&mut self, key: &str, rate: u32, now: Instant) -> bool {
        if rate == 0 {
            return true;
        }
        let rate = f64::from(rate);
        let bucket = match self.buckets.get_mut(key) {
            Some(bucket) => bucket,
            None => self.buckets.entry(key.to_owned()).or_insert(Bucket {
                tokens: rate,
                last: now,
            }),
        };
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    pub(crate) fn clear(&mut self) {
        self.buckets.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill() {
        let mut limiter = RateLimiter::default();
        let start = Instant::now();
        let allowed = (0..25)
            .filter(|_| limiter.allow("cbs/ap-guangzhou/X", 20, start))
            .count();
        assert_eq!(allowed, 20);
        assert!(
            limiter.allow("cbs/ap-guangzhou/Y", 20, start),
            "buckets are per action"
        );
        let later = start + Duration::from_millis(100);
        let refilled = (0..5)
            .filter(|_| limiter.allow("cbs/ap-guangzhou/X", 20, later))
            .count();
        assert_eq!(refilled, 2);
        assert!((0..1000).all(|_| limiter.allow("k", 0, start)));
    }
}
