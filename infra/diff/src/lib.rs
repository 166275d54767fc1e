//! Template diff (being written).
