//! The two Alibaba Cloud resource types, each a module of async functions over [`Client`].

pub mod ecd_snapshot;
pub mod ens_snapshot;

/// The largest ID list and page the Describe actions accept.
pub const MAX_DESCRIBE: usize = 100;
