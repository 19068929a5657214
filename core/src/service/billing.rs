//! billing use cases (being written).
