//! The shared conformance suite every storage backend runs (feature `testkit`).
//!
//! Each case is a generic async function over a fresh, empty [`Store`](crate::store::Store); most drive the
//! [`MedSync`](crate::MedSync) service so the store is exercised exactly as in production, and the races
//! hit the store from many tasks at once. A backend stamps every case into its tests with
//! [`conformance_suite!`](crate::conformance_suite):
//!
//! ```ignore
//! medsync_core::conformance_suite!(async { std::sync::Arc::new(MyStore::new()) as _ });
//! ```
//!
//! The expression is evaluated once per case and must yield a fresh `Arc<dyn Store>` (for
//! database backends: a fresh database or schema). Tests need a multi-threaded tokio runtime,
//! which the macro sets up.

pub mod cases;
pub mod cpu;
pub mod files;
mod fixture;
pub mod throughput;

pub use fixture::{
    confirmed_appointment, weekday_availability, Fixture, FixtureDoctor, FixturePatient,
    BUFFER_MINUTES, MONDAY, SLOT_MINUTES,
};

/// Stamps one `#[tokio::test]` per conformance case into the calling module.
///
/// - `conformance_suite!(store_future)`: `store_future` evaluates to a future of
///   `Arc<dyn Store>` (a fresh, empty store per case).
/// - `conformance_suite!(optional: store_future)`: the future yields
///   `Option<Arc<dyn Store>>`; `None` means "no database configured" and the case prints that
///   it was skipped. Factories must only return `None` when `CI` is unset — under `CI=true` a
///   missing database is a failure, never a silent pass.
#[macro_export]
macro_rules! conformance_suite {
    (optional: $store:expr) => {
        $crate::__conformance_cases!($crate::conformance_suite; @optional $store);
    };
    (@cases $store:expr; $($case:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let store: ::std::sync::Arc<dyn $crate::store::Store> = $store.await;
                $crate::testkit::cases::$case(store).await;
            }
        )*
    };
    (@optional $store:expr; $($case:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let store: ::std::option::Option<::std::sync::Arc<dyn $crate::store::Store>> = $store.await;
                match store {
                    ::std::option::Option::Some(store) => $crate::testkit::cases::$case(store).await,
                    ::std::option::Option::None => ::std::eprintln!(
                        "skipped {}: no database configured (run scripts/test)",
                        ::std::stringify!($case)
                    ),
                }
            }
        )*
    };
    ($store:expr) => {
        $crate::__conformance_cases!($crate::conformance_suite; @cases $store);
    };
}

/// Stamps the [`FileStore`](crate::store::FileStore) conformance cases. `$stores` evaluates to
/// a future of `(Arc<dyn Store>, Arc<dyn FileStore>)`, both fresh and empty; with `optional:`
/// a future of an `Option` of that pair (see [`conformance_suite!`](crate::conformance_suite)).
#[macro_export]
macro_rules! file_store_suite {
    (optional: $stores:expr) => {
        #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn files_are_sniffed_scanned_and_never_destroyed() {
            match $stores.await {
                ::std::option::Option::Some((store, files)) => {
                    $crate::testkit::files::files_are_sniffed_scanned_and_never_destroyed(
                        store, files,
                    )
                    .await
                }
                ::std::option::Option::None => {
                    ::std::eprintln!("skipped: no database configured (run scripts/test)")
                }
            }
        }
    };
    ($stores:expr) => {
        #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn files_are_sniffed_scanned_and_never_destroyed() {
            let (store, files) = $stores.await;
            $crate::testkit::files::files_are_sniffed_scanned_and_never_destroyed(store, files)
                .await
        }
    };
}

/// The list of conformance cases, passed to `$cb` after `$args`. Internal to
/// [`conformance_suite!`](crate::conformance_suite).
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($cb:path; $($args:tt)*) => {
        $cb!($($args)*;
            register_roles_and_login,
            login_does_not_reveal_unknown_email,
            refresh_rotates_and_reuse_revokes_family,
            concurrent_refresh_at_most_one_wins,
            logout_revokes_session,
            password_reset_is_single_use_and_revokes_sessions,
            deactivated_user_is_locked_out,
            availability_and_free_slots,
            booking_lifecycle_and_notifications,
            booking_outside_availability_is_rejected,
            booking_facts_match_the_single_reads,
            stores_bound_appointment_spans,
            conflicts_name_the_blocking_appointment,
            concurrent_bookings_one_doctor_exactly_one_wins,
            concurrent_bookings_one_patient_two_doctors_exactly_one_wins,
            lapsed_hold_frees_the_slot,
            confirm_racing_hold_expiry_is_consistent,
            reschedule_is_one_atomic_move,
            illegal_transitions_are_errors,
            idempotency_key_returns_the_same_appointment,
            stale_version_is_a_precondition_failure,
            chart_access_follows_relationships,
            caregiver_grants_scope_expire_and_revoke,
            break_glass_is_audited_and_notifies_patient,
            audit_chain_verifies_and_records_denials,
            notifications_list_and_mark_read,
            admin_user_management,
            charts_are_archived_not_destroyed,
            expire_holds_sweeps_lapsed_holds,
            record_versions_are_immutable_with_history_and_diff,
            concurrent_amendments_exactly_one_wins,
            stale_amendment_names_current_version,
            nurse_cannot_amend_and_is_audited,
            record_access_follows_policy,
            record_validation_names_fields,
            prescription_lifecycle_and_patient_notified,
            contraindication_blocks_unless_overridden,
            interaction_findings_are_never_silent,
            allergy_contraindication_blocks,
            prescription_validation_names_fields,
            completion_creates_exactly_one_invoice,
            concurrent_completion_one_invoice,
            completion_without_fee_creates_a_draft,
            invoice_lifecycle_payments_void_claim,
            monthly_report_exact_totals_and_exports,
            analytics_exact_counts_with_week_and_month_boundaries,
        );
    };
}
