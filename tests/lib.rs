//! Shared helpers live in the scenario modules; this crate has no library code.
