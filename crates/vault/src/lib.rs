//! Exchange secrets. See the crate description.

mod secret;

pub use secret::{ApiCredentials, Secret};
