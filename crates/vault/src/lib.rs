//! Exchange secrets. See the crate description.
