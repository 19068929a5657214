//! The shared MedSync conformance suite against a real MongoDB replica set (`MONGODB_URL`);
//! each case runs on a fresh database.

medsync_core::conformance_suite!(optional: medsync_storage_mongo::testing::fresh_store());
