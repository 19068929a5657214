//! Conformance cases: analytics (being written).
