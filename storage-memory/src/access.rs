//! Care-team assignments, delegation grants and break-glass sessions, and the relationship
//! reads the policy engine decides with.

use std::collections::{BTreeSet, HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::access::{BreakGlass, Grant};
use medsync_core::audit::AuditEvent;
use medsync_core::ids::{GrantId, PatientId, UserId};
use medsync_core::policy::Relationships;
use medsync_core::store::AccessStore;
use medsync_core::{Error, Result};

use crate::state::State;
use crate::MemoryStore;

/// Access data, indexed both by chart and by the user it concerns.
#[derive(Debug, Default)]
pub(crate) struct Access {
    care_team: HashSet<(PatientId, UserId)>,
    assigned: HashMap<UserId, BTreeSet<PatientId>>,
    grants: HashMap<GrantId, Grant>,
    grants_by_patient: HashMap<PatientId, Vec<GrantId>>,
    grants_by_grantee: HashMap<UserId, Vec<GrantId>>,
    break_glass: HashMap<UserId, Vec<BreakGlass>>,
}

impl Access {
    fn assign(&mut self, patient: PatientId, member: UserId) {
        self.care_team.insert((patient, member));
        self.assigned.entry(member).or_default().insert(patient);
    }

    fn unassign(&mut self, patient: PatientId, member: UserId) {
        self.care_team.remove(&(patient, member));
        if let Some(set) = self.assigned.get_mut(&member) {
            set.remove(&patient);
            if set.is_empty() {
                self.assigned.remove(&member);
            }
        }
    }

    fn insert_grant(&mut self, grant: &Grant) -> Result<()> {
        if self.grants.contains_key(&grant.id) {
            return Err(Error::conflict(
                "grant id already exists",
                Some(grant.id.to_string()),
            ));
        }
        self.grants_by_patient
            .entry(grant.patient_id)
            .or_default()
            .push(grant.id);
        self.grants_by_grantee
            .entry(grant.grantee)
            .or_default()
            .push(grant.id);
        self.grants.insert(grant.id, grant.clone());
        Ok(())
    }

    fn insert_break_glass(&mut self, session: &BreakGlass) -> Result<()> {
        let sessions = self.break_glass.entry(session.actor).or_default();
        if sessions.iter().any(|s| s.id == session.id) {
            return Err(Error::conflict(
                "break-glass session already exists",
                Some(session.id.to_string()),
            ));
        }
        sessions.push(session.clone());
        Ok(())
    }

    fn grants_of<'a>(
        &'a self,
        ids: Option<&'a Vec<GrantId>>,
    ) -> impl Iterator<Item = &'a Grant> + 'a {
        ids.into_iter()
            .flatten()
            .filter_map(|id| self.grants.get(id))
    }

    fn sessions_of(&self, actor: UserId) -> impl Iterator<Item = &BreakGlass> {
        self.break_glass.get(&actor).into_iter().flatten()
    }
}

/// [`AccessStore::relationships`] over the whole state.
fn relationships(
    st: &State,
    actor: UserId,
    patient: PatientId,
    now: DateTime<Utc>,
) -> Relationships {
    let a = &st.access;
    Relationships {
        owner: st
            .patients
            .get(patient)
            .is_some_and(|p| p.user_id == Some(actor)),
        care_team: a.care_team.contains(&(patient, actor))
            || st.schedule.treats(actor, patient, now),
        granted: a
            .grants_of(a.grants_by_patient.get(&patient))
            .filter(|g| g.grantee == actor && g.is_active(now))
            .flat_map(|g| g.actions.iter().copied())
            .collect(),
        break_glass: a
            .sessions_of(actor)
            .any(|s| s.patient_id == patient && s.expires_at > now),
    }
}

/// [`AccessStore::related_patients`] over the whole state, in id order.
fn related_patients(st: &State, actor: UserId, now: DateTime<Utc>) -> Vec<PatientId> {
    let a = &st.access;
    let mut out: BTreeSet<PatientId> = st.patients.owned_by(actor).collect();
    out.extend(a.assigned.get(&actor).into_iter().flatten().copied());
    out.extend(st.schedule.treated_by(actor, now));
    out.extend(
        a.grants_of(a.grants_by_grantee.get(&actor))
            .filter(|g| g.is_active(now))
            .map(|g| g.patient_id),
    );
    out.extend(
        a.sessions_of(actor)
            .filter(|s| s.expires_at > now)
            .map(|s| s.patient_id),
    );
    out.into_iter().collect()
}

#[async_trait]
impl AccessStore for MemoryStore {
    async fn assign_care_team(
        &self,
        patient_id: PatientId,
        member: UserId,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut guard = self.lock();
        let st = &mut *guard;
        st.access.assign(patient_id, member);
        st.audit.append(audit);
        Ok(())
    }

    async fn unassign_care_team(
        &self,
        patient_id: PatientId,
        member: UserId,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut guard = self.lock();
        let st = &mut *guard;
        st.access.unassign(patient_id, member);
        st.audit.append(audit);
        Ok(())
    }

    async fn create_grant(&self, grant: &Grant, audit: &AuditEvent) -> Result<()> {
        let mut guard = self.lock();
        let st = &mut *guard;
        st.access.insert_grant(grant)?;
        st.audit.append(audit);
        Ok(())
    }

    async fn revoke_grant(
        &self,
        id: GrantId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Grant> {
        let mut guard = self.lock();
        let st = &mut *guard;
        let grant = st
            .access
            .grants
            .get_mut(&id)
            .ok_or_else(|| Error::not_found("grant", id))?;
        if grant.revoked_at.is_none() {
            grant.revoked_at = Some(now);
        }
        let stored = grant.clone();
        st.audit.append(audit);
        Ok(stored)
    }

    async fn grant(&self, id: GrantId) -> Result<Option<Grant>> {
        Ok(self.lock().access.grants.get(&id).cloned())
    }

    async fn grants_for_patient(&self, patient_id: PatientId) -> Result<Vec<Grant>> {
        let st = self.lock();
        let a = &st.access;
        let mut grants: Vec<Grant> = a
            .grants_of(a.grants_by_patient.get(&patient_id))
            .cloned()
            .collect();
        grants.sort_by_key(|g| (g.created_at, g.id));
        Ok(grants)
    }

    async fn start_break_glass(&self, session: &BreakGlass, audit: &AuditEvent) -> Result<()> {
        let mut guard = self.lock();
        let st = &mut *guard;
        st.access.insert_break_glass(session)?;
        st.audit.append(audit);
        Ok(())
    }

    async fn relationships(
        &self,
        actor: UserId,
        patient_id: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Relationships> {
        Ok(relationships(&self.lock(), actor, patient_id, now))
    }

    async fn related_patients(&self, actor: UserId, now: DateTime<Utc>) -> Result<Vec<PatientId>> {
        Ok(related_patients(&self.lock(), actor, now))
    }
}
