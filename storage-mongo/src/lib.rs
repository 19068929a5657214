//! MongoDB backend for MedSync (being written).
