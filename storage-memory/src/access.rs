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
pub(crate) fn relationships(
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

#[cfg(test)]
mod tests {
    use medsync_core::access::BreakGlass;
    use medsync_core::ids::BreakGlassId;
    use medsync_core::policy::Action;
    use medsync_core::scheduling::AppointmentStatus;
    use medsync_core::store::{AccessStore, PatientStore, ScheduleStore};
    use uuid::Uuid;

    use crate::fixtures::{appt, at, chart, event, grant, held, pid, uid};
    use crate::MemoryStore;

    #[tokio::test]
    async fn care_team_follows_assignments_and_appointments() {
        let s = MemoryStore::new();
        let (owner, doc, nurse, p) = (uid(1), uid(2), uid(3), pid(1));
        s.create_patient(&chart(1, "Ann", "MRN-1", Some(owner)), &event("x"))
            .await
            .unwrap();
        let rel = s.relationships(owner, p, at(8, 0)).await.unwrap();
        assert!(rel.owner && !rel.care_team);

        // A pending hold counts while live.
        s.book(
            &held(1, doc, p, at(9, 0), 30, at(8, 30)),
            at(8, 0),
            &event("x"),
        )
        .await
        .unwrap();
        assert!(s.relationships(doc, p, at(8, 10)).await.unwrap().care_team);
        assert!(!s.relationships(doc, p, at(8, 30)).await.unwrap().care_team);
        assert_eq!(s.related_patients(doc, at(8, 10)).await.unwrap(), vec![p]);
        assert!(s.related_patients(doc, at(8, 30)).await.unwrap().is_empty());

        // A cancelled appointment does not count; a completed one does, for good.
        let mut a = appt(2, doc, p, at(11, 0), 30);
        s.book(&a, at(8, 0), &event("x")).await.unwrap();
        assert!(s.relationships(doc, p, at(23, 0)).await.unwrap().care_team);
        a.status = AppointmentStatus::Cancelled;
        s.update_appointment(&a, 1, at(8, 0), &event("x"))
            .await
            .unwrap();
        assert!(!s.relationships(doc, p, at(23, 0)).await.unwrap().care_team);
        let mut b = appt(3, doc, p, at(12, 0), 30);
        s.book(&b, at(8, 0), &event("x")).await.unwrap();
        b.status = AppointmentStatus::Completed;
        s.update_appointment(&b, 1, at(8, 0), &event("x"))
            .await
            .unwrap();
        assert!(s.relationships(doc, p, at(23, 0)).await.unwrap().care_team);

        // Assignment, idempotent both ways.
        for _ in 0..2 {
            s.assign_care_team(p, nurse, &event("x")).await.unwrap();
        }
        assert!(s.relationships(nurse, p, at(8, 0)).await.unwrap().care_team);
        for _ in 0..2 {
            s.unassign_care_team(p, nurse, &event("x")).await.unwrap();
        }
        assert!(!s.relationships(nurse, p, at(8, 0)).await.unwrap().care_team);
    }

    #[tokio::test]
    async fn grants_and_break_glass() {
        let s = MemoryStore::new();
        let (carer, doc, p) = (uid(5), uid(6), pid(1));
        let g1 = grant(1, p, carer, &[Action::ReadChart], None);
        let g2 = grant(2, p, carer, &[Action::BookAppointment], Some(at(10, 0)));
        let g3 = grant(3, pid(2), carer, &[Action::ReadBilling], None);
        for g in [&g1, &g2, &g3] {
            s.create_grant(g, &event("x")).await.unwrap();
        }
        let rel = s.relationships(carer, p, at(9, 0)).await.unwrap();
        assert_eq!(
            rel.granted.into_iter().collect::<Vec<_>>(),
            vec![Action::ReadChart, Action::BookAppointment]
        );
        let rel = s.relationships(carer, p, at(10, 0)).await.unwrap();
        assert_eq!(
            rel.granted.into_iter().collect::<Vec<_>>(),
            vec![Action::ReadChart]
        );
        let revoked = s.revoke_grant(g1.id, at(9, 0), &event("x")).await.unwrap();
        assert_eq!(revoked.revoked_at, Some(at(9, 0)));
        let again = s.revoke_grant(g1.id, at(9, 5), &event("x")).await.unwrap();
        assert_eq!(again.revoked_at, Some(at(9, 0)));
        assert!(
            s.relationships(carer, p, at(9, 1))
                .await
                .unwrap()
                .granted
                .len()
                == 1
        );
        assert_eq!(s.grants_for_patient(p).await.unwrap().len(), 2);
        assert_eq!(s.related_patients(carer, at(9, 1)).await.unwrap().len(), 2);
        assert_eq!(
            s.related_patients(carer, at(11, 0)).await.unwrap(),
            vec![pid(2)]
        );

        let session = BreakGlass {
            id: BreakGlassId(Uuid::from_u128(1)),
            actor: doc,
            patient_id: p,
            reason: "unconscious in ED".into(),
            started_at: at(9, 0),
            expires_at: at(10, 0),
        };
        s.start_break_glass(&session, &event("x")).await.unwrap();
        assert!(
            s.relationships(doc, p, at(9, 59))
                .await
                .unwrap()
                .break_glass
        );
        assert!(
            !s.relationships(doc, p, at(10, 0))
                .await
                .unwrap()
                .break_glass
        );
        assert_eq!(s.related_patients(doc, at(9, 59)).await.unwrap(), vec![p]);
    }
}
