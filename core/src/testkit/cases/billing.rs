//! Conformance cases: billing (being written).
