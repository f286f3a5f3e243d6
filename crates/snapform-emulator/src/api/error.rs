//! An error answer in the cloud's own words, before it is put in either cloud's envelope.

/// An error answer in the cloud's own words. `status` only matters to Alibaba.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) status: u16,
}

impl ApiError {
    /// A business error (HTTP 400 on Alibaba).
    pub(crate) fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            status: 400,
        }
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
}
