//! A dependency list only (see Cargo.toml): one feature set for the crates the command line and the functions share.
