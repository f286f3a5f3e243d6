//! How an apply's steps share the machine: snapform's way, or Terraform's for the benchmark's
//! comparison. The engine asks this module three questions and reads the same either way.

use tokio::sync::Semaphore;

/// The scheduling of an apply's steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scheduling {
    /// snapform's: `-parallelism` bounds API calls in flight (the providers' shared call
    /// slots), so waiting for readiness or for a rate-limit token holds no slot; waiting
    /// resources of a type are polled together, and deletes of a type go in batches.
    #[default]
    Snapform,
    /// Terraform's, for comparison: `-parallelism` counts whole steps, waits included; each
    /// waiting resource polls with its own Describe, and each delete is its own call.
    TerraformWay,
}

impl Scheduling {
    /// The slots a step holds for its whole run: none to speak of for snapform, whose
    /// providers bound the calls themselves and whose steps wait for readiness holding
    /// nothing; `parallelism` for Terraform's way.
    pub(crate) fn step_slots(self, parallelism: usize) -> Semaphore {
        match self {
            Scheduling::Snapform => Semaphore::new(Semaphore::MAX_PERMITS),
            Scheduling::TerraformWay => Semaphore::new(parallelism.max(1)),
        }
    }

    /// The turns to send a step's first call (a create, an update, a batch of deletes), for
    /// one provider and type: at most `parallelism` such steps start at once, and a step
    /// waiting for its turn sees a Ctrl-C and never starts. Waiting until a resource is ready
    /// holds no turn, and the calls themselves are bounded across types by the providers'
    /// call slots. Terraform's way needs none: its whole steps are bounded already.
    pub(crate) fn start_slots(self, parallelism: usize) -> Semaphore {
        match self {
            Scheduling::Snapform => Semaphore::new(parallelism.max(1)),
            Scheduling::TerraformWay => Semaphore::new(Semaphore::MAX_PERMITS),
        }
    }

    /// Whether ready deletes of one type go to the cloud together.
    pub(crate) fn batches_deletes(self) -> bool {
        self == Scheduling::Snapform
    }

    /// What tells pollers apart besides the provider and type: nothing for snapform (one
    /// poller per type reads every waiting resource in one call), the resource for
    /// Terraform's way.
    pub(crate) fn poller_key(self, id: &str) -> String {
        match self {
            Scheduling::Snapform => String::new(),
            Scheduling::TerraformWay => id.to_owned(),
        }
    }
}
