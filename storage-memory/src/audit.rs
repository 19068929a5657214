//! The hash-chained audit log.

use async_trait::async_trait;
use medsync_core::audit::{chain, AuditEntry, AuditEvent};
use medsync_core::store::{AuditFilter, AuditStore, Page};
use medsync_core::Result;

use crate::page::paginate;
use crate::MemoryStore;

/// Audit entries in `seq` order; entry `i` has `seq == i + 1`.
#[derive(Debug, Default)]
pub(crate) struct AuditLog {
    entries: Vec<AuditEntry>,
}

impl AuditLog {
    /// How many entries are stored.
    pub(crate) fn count(&self) -> usize {
        self.entries.len()
    }

    /// Chains `event` after the last entry and stores it.
    pub(crate) fn append(&mut self, event: &AuditEvent) -> AuditEntry {
        let entry = chain::next_entry(self.entries.last(), 0, event);
        self.entries.push(entry.clone());
        entry
    }

    /// Up to `limit` entries of the single chain 0 with `seq > after_seq`, in `seq` order.
    fn chain(&self, chain: u32, after_seq: u64, limit: u32) -> Vec<AuditEntry> {
        if chain != 0 {
            return Vec::new();
        }
        let skip = usize::try_from(after_seq).unwrap_or(usize::MAX);
        let take = usize::try_from(limit).unwrap_or(usize::MAX);
        self.entries.iter().skip(skip).take(take).cloned().collect()
    }

    /// Entries matching `filter`, newest first.
    fn query(&self, filter: &AuditFilter, page: Page) -> Vec<AuditEntry> {
        let rows = self
            .entries
            .iter()
            .rev()
            .filter(|e| matches(filter, &e.event))
            .cloned();
        paginate(rows, page)
    }
}

fn matches(f: &AuditFilter, e: &AuditEvent) -> bool {
    f.actor.is_none_or(|a| e.actor == Some(a))
        && f.patient_id.is_none_or(|p| e.patient_id == Some(p))
        && f.action_prefix
            .as_deref()
            .is_none_or(|p| e.action.starts_with(p))
        && f.from.is_none_or(|from| e.at >= from)
        && f.to.is_none_or(|to| e.at < to)
}

#[async_trait]
impl AuditStore for MemoryStore {
    async fn append_audit(&self, event: &AuditEvent) -> Result<AuditEntry> {
        Ok(self.lock().audit.append(event))
    }

    async fn audit_chains(&self) -> Result<Vec<u32>> {
        Ok(if self.lock().audit.count() == 0 {
            vec![]
        } else {
            vec![0]
        })
    }

    async fn audit_chain(&self, chain: u32, after_seq: u64, limit: u32) -> Result<Vec<AuditEntry>> {
        Ok(self.lock().audit.chain(chain, after_seq, limit))
    }

    async fn query_audit(&self, filter: &AuditFilter, page: Page) -> Result<Vec<AuditEntry>> {
        Ok(self.lock().audit.query(filter, page))
    }
}

#[cfg(test)]
mod tests {
    use medsync_core::audit::verify;
    use medsync_core::identity::{PasswordHash, Role};
    use medsync_core::policy::Action;
    use medsync_core::scheduling::AppointmentStatus;
    use medsync_core::store::{
        AccessStore, AuditFilter, AuditStore, Page, PatientStore, ScheduleStore, UserStore,
    };

    use crate::fixtures::{appt, at, chart, event, grant, pid, uid, user};
    use crate::MemoryStore;

    #[tokio::test]
    async fn chain_verifies_after_mixed_writes() {
        let s = MemoryStore::new();
        let doc = user(1, "doc@example.org", Role::Doctor);
        s.create_user(&doc, None, &event("user.create"))
            .await
            .unwrap();
        // A refused write appends nothing.
        assert!(s
            .create_user(&doc, None, &event("user.create"))
            .await
            .is_err());
        s.create_patient(&chart(1, "Ann", "MRN-1", None), &event("chart.create"))
            .await
            .unwrap();
        let a = appt(1, doc.id, pid(1), at(9, 0), 30);
        s.book(&a, at(8, 0), &event("appointment.book"))
            .await
            .unwrap();
        assert!(s
            .book(
                &appt(2, doc.id, pid(1), at(9, 10), 30),
                at(8, 0),
                &event("appointment.book")
            )
            .await
            .is_err());
        let mut done = a.clone();
        done.status = AppointmentStatus::Completed;
        s.update_appointment(&done, 1, at(8, 0), &event("appointment.complete"))
            .await
            .unwrap();
        s.set_password(doc.id, &PasswordHash("x".into()), &event("user.password"))
            .await
            .unwrap();
        s.assign_care_team(pid(1), uid(2), &event("care_team.assign"))
            .await
            .unwrap();
        let g = grant(1, pid(1), uid(3), &[Action::ReadChart], None);
        s.create_grant(&g, &event("grant.create")).await.unwrap();
        s.revoke_grant(g.id, at(9, 0), &event("grant.revoke"))
            .await
            .unwrap();
        let mut denied = event("chart.read");
        denied.outcome = medsync_core::audit::Outcome::Denied;
        s.append_audit(&denied).await.unwrap();

        let chain = s.audit_chain(0, 0, 100).await.unwrap();
        let report = verify(&chain);
        assert!(report.ok, "{report:?}");
        assert_eq!(report.entries_checked, 9);
        assert_eq!(
            chain.iter().map(|e| e.seq).collect::<Vec<_>>(),
            (1..=9).collect::<Vec<_>>()
        );
        // Paging through the chain.
        let tail = s.audit_chain(0, 7, 5).await.unwrap();
        assert_eq!(tail.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![8, 9]);
        assert!(s.audit_chain(0, 9, 5).await.unwrap().is_empty());

        // Query: newest first, filtered.
        let f = AuditFilter {
            action_prefix: Some("grant.".into()),
            ..Default::default()
        };
        let rows = s.query_audit(&f, Page::default()).await.unwrap();
        assert_eq!(
            rows.iter()
                .map(|e| e.event.action.as_str())
                .collect::<Vec<_>>(),
            vec!["grant.revoke", "grant.create"]
        );
        let all = s
            .query_audit(
                &AuditFilter::default(),
                Page {
                    offset: 1,
                    limit: 2,
                },
            )
            .await
            .unwrap();
        assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![8, 7]);
        let f = AuditFilter {
            to: Some(at(8, 0)),
            ..Default::default()
        };
        assert!(s.query_audit(&f, Page::default()).await.unwrap().is_empty());
    }
}
