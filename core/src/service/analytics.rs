//! analytics use cases (being written).
