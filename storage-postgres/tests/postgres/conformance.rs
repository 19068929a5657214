//! The shared conformance suite (`medsync_core::testkit`) against PostgreSQL: every case
//! on a fresh database. Skipped without `DATABASE_URL` outside CI; a failure under `CI=true`.

medsync_core::conformance_suite!(optional: medsync_storage_postgres::testing::fresh_store());
