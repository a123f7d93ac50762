//! Shared venue transport. See the crate description.
