//! PostgreSQL backend for MedSync (being written).
