//! Care-team assignments, grants and break-glass sessions.

use std::collections::BTreeSet;

use medsync_core::access::{BreakGlass, Grant};
use medsync_core::ids::{BreakGlassId, GrantId, PatientId, UserId};
use medsync_core::policy::Action;
use serde::{Deserialize, Serialize};

use crate::convert::{bdate, bdate_opt, bid, cdate, cdate_opt, uid};

/// One care-team assignment in `care_team` (unique per chart and member).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CareTeamDoc {
    pub(crate) patient_id: bson::Uuid,
    pub(crate) member_id: bson::Uuid,
}

/// A grant in `grants`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct GrantDoc {
    #[serde(rename = "_id")]
    pub(crate) id: bson::Uuid,
    pub(crate) patient_id: bson::Uuid,
    pub(crate) grantee: bson::Uuid,
    /// Action names.
    pub(crate) actions: BTreeSet<Action>,
    pub(crate) granted_by: bson::Uuid,
    pub(crate) created_at: bson::DateTime,
    pub(crate) expires_at: Option<bson::DateTime>,
    pub(crate) revoked_at: Option<bson::DateTime>,
}

impl From<&Grant> for GrantDoc {
    fn from(g: &Grant) -> Self {
        Self {
            id: bid(g.id.0),
            patient_id: bid(g.patient_id.0),
            grantee: bid(g.grantee.0),
            actions: g.actions.clone(),
            granted_by: bid(g.granted_by.0),
            created_at: bdate(g.created_at),
            expires_at: bdate_opt(g.expires_at),
            revoked_at: bdate_opt(g.revoked_at),
        }
    }
}

impl From<GrantDoc> for Grant {
    fn from(d: GrantDoc) -> Self {
        Self {
            id: GrantId(uid(d.id)),
            patient_id: PatientId(uid(d.patient_id)),
            grantee: UserId(uid(d.grantee)),
            actions: d.actions,
            granted_by: UserId(uid(d.granted_by)),
            created_at: cdate(d.created_at),
            expires_at: cdate_opt(d.expires_at),
            revoked_at: cdate_opt(d.revoked_at),
        }
    }
}

/// A break-glass session in `break_glass`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct BreakGlassDoc {
    #[serde(rename = "_id")]
    pub(crate) id: bson::Uuid,
    pub(crate) actor: bson::Uuid,
    pub(crate) patient_id: bson::Uuid,
    pub(crate) reason: String,
    pub(crate) started_at: bson::DateTime,
    pub(crate) expires_at: bson::DateTime,
}

impl From<&BreakGlass> for BreakGlassDoc {
    fn from(s: &BreakGlass) -> Self {
        Self {
            id: bid(s.id.0),
            actor: bid(s.actor.0),
            patient_id: bid(s.patient_id.0),
            reason: s.reason.clone(),
            started_at: bdate(s.started_at),
            expires_at: bdate(s.expires_at),
        }
    }
}

impl From<BreakGlassDoc> for BreakGlass {
    fn from(d: BreakGlassDoc) -> Self {
        Self {
            id: BreakGlassId(uid(d.id)),
            actor: UserId(uid(d.actor)),
            patient_id: PatientId(uid(d.patient_id)),
            reason: d.reason,
            started_at: cdate(d.started_at),
            expires_at: cdate(d.expires_at),
        }
    }
}
