//! Conformance cases: records (being written).
