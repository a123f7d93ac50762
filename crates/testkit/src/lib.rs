//! Mock venue servers for tests. See the crate description.
