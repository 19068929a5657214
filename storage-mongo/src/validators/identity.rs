//! Validators of login identities and patient charts.

use bson::{doc, Document};

use medsync_core::identity::{Sex, UserStatus};

use super::{json_schema, one_of, role, schema, version};

/// The `users` validator (`users_role_check`, `users_status_check`, `users_version_check`):
/// `role` is one of the five roles, `status` is `active`, `pending_approval` or
/// `deactivated`, and `version` is an integer of at least 1.
pub(super) fn users() -> Document {
    let statuses = [
        UserStatus::Active,
        UserStatus::PendingApproval,
        UserStatus::Deactivated,
    ];
    json_schema(schema(
        &["role", "status", "version"],
        doc! {
            "role": role(false),
            "status": one_of(statuses, false),
            "version": version(),
        },
    ))
}

/// The `patients` validator (`patients_sex_check`, `patients_version_check`): `sex` is
/// `female`, `male`, `other` or `unknown`, and `version` is an integer of at least 1.
pub(super) fn patients() -> Document {
    let sexes = [Sex::Female, Sex::Male, Sex::Other, Sex::Unknown];
    json_schema(schema(
        &["sex", "version"],
        doc! {"sex": one_of(sexes, false), "version": version()},
    ))
}
