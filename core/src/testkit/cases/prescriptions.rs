//! Conformance cases: prescriptions (being written).
