//! records use cases (being written).
