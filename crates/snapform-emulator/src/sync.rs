//! Locking that survives a panic elsewhere: one failed request must not take the emulator down.

use std::sync::{Mutex, MutexGuard};

/// Locks a mutex, taking the value over from a holder that panicked.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
