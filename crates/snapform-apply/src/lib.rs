//! Everything that talks to providers during a run: refresh (batched reads of every recorded
//! resource, and lookups of interrupted creates), preflight checks of planned creates, and the
//! execution of plans.
//!
//! It sees providers only through the `snapform_provider::Provider` trait; the command line
//! chooses the concrete ones. Libraries never print: progress goes to a [`Hook`].

mod execute;
mod poller;
mod preflight;
mod refresh;
mod saver;
mod scheduling;

use std::collections::BTreeMap;
use std::sync::Arc;

use snapform_core::ProviderAddr;
use snapform_provider::Provider;

pub use execute::{ApplyOptions, ApplyReport, Event, Finisher, Hook, Phase, Resolver, Stop, apply};
pub use preflight::{Problem, preflight};
pub use refresh::{RefreshError, refresh, refresh_with};
pub use saver::Saver;
pub use scheduling::Scheduling;

/// The provider of each provider configuration.
pub type Providers = BTreeMap<ProviderAddr, Arc<dyn Provider>>;
