//! Retrying API calls: jittered exponential backoff (from backon) for throttling and transient
//! errors, and waiting out busy resources until a deadline.

use std::future::Future;
use std::time::Duration;

use backon::BackoffBuilder;
use tokio::time::Instant;

use crate::error::{Error, ErrorKind};

/// How many times and how long to retry.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// First delay.
    pub min_delay: Duration,
    /// Longest delay between two attempts.
    pub max_delay: Duration,
    /// Most attempts for throttled and transient errors.
    pub max_attempts: usize,
    /// Give up on busy resources after this long.
    pub busy_timeout: Duration,
    /// Stop retrying throttled and transient failures once a call has taken this long, so a
    /// cloud that answers one byte a second fails the call within a minute, not eight times
    /// the request timeout.
    pub call_deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            min_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            max_attempts: 8,
            busy_timeout: Duration::from_secs(300),
            call_deadline: Duration::from_secs(60),
        }
    }
}

/// The delays between attempts: exponential, with additive jitter, capped.
struct Backoff {
    delays: backon::ExponentialBackoff,
}

impl Backoff {
    /// The delays of `policy`.
    fn new(policy: &RetryPolicy) -> Backoff {
        Backoff {
            // backon's jitter adds up to one more delay, so halve the cap to keep the real wait
            // under `max_delay`.
            delays: backon::ExponentialBuilder::default()
                .with_min_delay(policy.min_delay)
                .with_max_delay(policy.max_delay / 2)
                .with_jitter()
                .without_max_times()
                .build(),
        }
    }

    /// The next delay.
    fn next_delay(&mut self) -> Duration {
        self.delays.next().unwrap_or(Duration::from_secs(1))
    }
}

impl RetryPolicy {
    /// Runs `attempt` until it succeeds, retrying throttled and transient errors up to the
    /// policy's attempts and busy errors until its busy timeout, honouring a delay the cloud
    /// asks for. `idempotent` is false for creates: their transient failures are resent only
    /// when the request surely never reached the cloud.
    ///
    /// `attempt` gets the attempt's number, from 1, for the log. A retry that is still going
    /// after 5 s is reported once as a warning, so a run that seems stuck says why.
    pub async fn run<T, F, Fut>(&self, idempotent: bool, mut attempt: F) -> Result<T, Error>
    where
        F: FnMut(usize) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let started = Instant::now();
        let mut backoff = Backoff::new(self);
        // Throttling and transient failures each get their own budget: a burst of throttling
        // must not use up the retries a flaky connection needs.
        let mut n_throttled = 0;
        let mut n_transient = 0;
        let mut n_attempts = 0;
        let mut warned = false;
        loop {
            n_attempts += 1;
            let error = match attempt(n_attempts).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let delay = error.retry_after.unwrap_or_else(|| backoff.next_delay());
            let within_deadline = started.elapsed() + delay < self.call_deadline;
            let may_retry = match error.kind {
                ErrorKind::Throttled => {
                    n_throttled += 1;
                    n_throttled < self.max_attempts * 2 && within_deadline
                }
                ErrorKind::Transient => {
                    n_transient += 1;
                    (idempotent || !error.maybe_applied)
                        && n_transient < self.max_attempts
                        && within_deadline
                }
                ErrorKind::Busy => started.elapsed() < self.busy_timeout,
                ErrorKind::NotFound | ErrorKind::Permanent => false,
            };
            if !may_retry {
                return Err(error);
            }
            tracing::debug!(
                action = %error.action,
                code = %error.code,
                attempt = n_attempts,
                delay_ms = delay.as_millis() as u64,
                "retrying: {}",
                error.message
            );
            if !warned && started.elapsed() >= Duration::from_secs(5) {
                warned = true;
                tracing::warn!(
                    "still retrying {} after {}s ({} attempts): {}: {}",
                    error.action,
                    started.elapsed().as_secs(),
                    n_attempts,
                    error.code,
                    error.message
                );
            }
            tokio::time::sleep(delay).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn failing(kind: ErrorKind) -> Error {
        Error::new(kind, "CreateDiskBackup", "Code", "message")
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_is_retried_with_growing_delays() {
        let calls = AtomicUsize::new(0);
        let started = Instant::now();
        let result = RetryPolicy::default()
            .run(false, |_| async {
                if calls.fetch_add(1, Ordering::SeqCst) < 3 {
                    Err(failing(ErrorKind::Throttled))
                } else {
                    Ok(7)
                }
            })
            .await;
        assert_eq!(result, Ok(7));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        // 200ms, 400ms, 800ms, each plus up to 100% jitter.
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(1400) && waited < Duration::from_millis(2800),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_create_is_resent_only_when_it_surely_never_arrived() {
        let calls = AtomicUsize::new(0);
        let result: Result<(), Error> = RetryPolicy::default()
            .run(false, |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                let mut error = failing(ErrorKind::Transient);
                error.maybe_applied = true;
                Err(error)
            })
            .await;
        assert_eq!(result.map_err(|e| e.kind), Err(ErrorKind::Transient));
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "a create that may have arrived is not resent"
        );

        let calls = AtomicUsize::new(0);
        let result = RetryPolicy::default()
            .run(false, |_| async {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    Err(failing(ErrorKind::Transient))
                } else {
                    Ok(())
                }
            })
            .await;
        assert_eq!(result, Ok(()), "a connection that never opened is retried");

        let calls = AtomicUsize::new(0);
        let result = RetryPolicy::default()
            .run(true, |_| async {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    let mut error = failing(ErrorKind::Transient);
                    error.maybe_applied = true;
                    Err(error)
                } else {
                    Ok(())
                }
            })
            .await;
        assert_eq!(result, Ok(()), "a read is always retried");
    }

    #[tokio::test(start_paused = true)]
    async fn busy_resources_are_waited_for_until_the_deadline() {
        let policy = RetryPolicy {
            busy_timeout: Duration::from_secs(30),
            ..RetryPolicy::default()
        };
        let calls = AtomicUsize::new(0);
        let started = Instant::now();
        let result: Result<(), Error> = policy
            .run(true, |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(failing(ErrorKind::Busy))
            })
            .await;
        assert_eq!(result.map_err(|e| e.kind), Err(ErrorKind::Busy));
        assert!(started.elapsed() >= Duration::from_secs(30));
        assert!(started.elapsed() < Duration::from_secs(41));
        assert!(calls.load(Ordering::SeqCst) > 3);
    }

    #[tokio::test(start_paused = true)]
    async fn permanent_errors_fail_at_once_and_retry_after_is_honoured() {
        let calls = AtomicUsize::new(0);
        let result: Result<(), Error> = RetryPolicy::default()
            .run(true, |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(failing(ErrorKind::Permanent))
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let started = Instant::now();
        let calls = AtomicUsize::new(0);
        let _ = RetryPolicy::default()
            .run(true, |_| async {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    let mut error = failing(ErrorKind::Throttled);
                    error.retry_after = Some(Duration::from_secs(5));
                    Err(error)
                } else {
                    Ok(())
                }
            })
            .await;
        assert_eq!(started.elapsed(), Duration::from_secs(5));
    }
}
