//! The lake functions' decisions, as pure functions over data (no AWS SDK, no I/O).
