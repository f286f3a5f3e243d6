//! Helpers shared by snapform's tests, used only as a dev-dependency: [`hostile`], a server
//! that answers every request the way a broken or hostile cloud would.

pub mod hostile;
