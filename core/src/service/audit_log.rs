//! Reading and verifying the audit trail.

use super::support::Subject;
use super::MedSync;
use crate::audit::chain::Verifier;
use crate::audit::{AuditEntry, Outcome, VerifyReport};
use crate::error::Result;
use crate::policy::{Action, Actor, Resource};
use crate::store::{AuditFilter, Page};

const VERIFY_BATCH: u32 = 1000;

impl MedSync {
    /// Audit entries matching `filter`, newest first (admins).
    pub async fn audit_log(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        page: Page,
    ) -> Result<Vec<AuditEntry>> {
        let subject = Subject::kind("audit");
        self.authorize(
            actor,
            Action::ReadAudit,
            Resource::System,
            "audit.read",
            &subject,
        )
        .await?;
        let entries = self.inner.store.query_audit(filter, page.clamped()).await?;
        self.audit(Some(actor), "audit.read", &subject, Outcome::Allowed, None)
            .await?;
        Ok(entries)
    }

    /// Walks the whole chain and reports the first modified, deleted or reordered entry
    /// (admins). The verification itself is audited after the walk.
    pub async fn verify_audit(&self, actor: &Actor) -> Result<VerifyReport> {
        let subject = Subject::kind("audit");
        self.authorize(
            actor,
            Action::ReadAudit,
            Resource::System,
            "audit.verify",
            &subject,
        )
        .await?;
        let report = self.verify_audit_chain().await?;
        let detail = format!("ok={} checked={}", report.ok, report.entries_checked);
        self.audit(
            Some(actor),
            "audit.verify",
            &subject,
            Outcome::Allowed,
            Some(detail),
        )
        .await?;
        Ok(report)
    }

    /// Verifies every chain without an actor (for operators' maintenance jobs and tests).
    pub async fn verify_audit_chain(&self) -> Result<VerifyReport> {
        let mut reports = Vec::new();
        for chain in self.inner.store.audit_chains().await? {
            let mut verifier = Verifier::new(chain);
            let mut after = 0;
            loop {
                let batch = self
                    .inner
                    .store
                    .audit_chain(chain, after, VERIFY_BATCH)
                    .await?;
                let Some(last) = batch.last() else { break };
                after = last.seq;
                batch.iter().for_each(|e| verifier.feed(e));
                if batch.len() < VERIFY_BATCH as usize {
                    break;
                }
            }
            reports.push(verifier.finish());
        }
        Ok(VerifyReport::from_chains(reports))
    }
}
