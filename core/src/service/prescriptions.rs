//! prescriptions use cases (being written).
