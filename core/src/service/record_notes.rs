//! Nurse and doctor notes on a record: append one ([`MedSync::add_note`]) and list them
//! ([`MedSync::record_notes`]). Notes are never edited or deleted.

use super::record_guard::detail;
use super::MedSync;
use crate::audit::Outcome;
use crate::error::{Result, Validator};
use crate::ids::{NoteId, RecordId};
use crate::policy::{Action, Actor};
use crate::records::RecordNote;

/// Longest note, in characters.
const MAX_NOTE: usize = 5000;

impl MedSync {
    /// Appends a note to a record (`AddNote`: doctors and nurses of the care team, doctors via
    /// break-glass). The text is trimmed and must be 1 to 5000 characters (field `text`).
    /// Notes are never edited or deleted. Audited as `record.note.add`.
    pub async fn add_note(&self, actor: &Actor, id: RecordId, text: &str) -> Result<RecordNote> {
        const ACTION: &str = "record.note.add";
        let g = self.guard(actor, id, Action::AddNote, ACTION).await?;
        let added = async {
            let text = text.trim();
            let mut v = Validator::new();
            if text.is_empty() {
                v.push("text", "is required");
            } else if text.chars().count() > MAX_NOTE {
                v.push("text", format!("must be at most {MAX_NOTE} characters"));
            }
            v.finish()?;
            let now = self.now();
            let note = RecordNote {
                id: NoteId(self.uuid(now)),
                record_id: id,
                patient_id: g.record.patient_id,
                author: actor.user_id,
                at: now,
                text: text.to_owned(),
            };
            let ev = self.event(
                Some(actor),
                ACTION,
                &g.subject,
                Outcome::Allowed,
                detail(&g.decision, format!("note {}", note.id)),
            );
            self.inner.store.add_note(&note, &ev).await?;
            Ok(note)
        }
        .await;
        self.or_failed(actor, ACTION, &g.subject, added).await
    }

    /// A record's notes, oldest first (`ReadRecords`; audited as `record.note.list`).
    pub async fn record_notes(&self, actor: &Actor, id: RecordId) -> Result<Vec<RecordNote>> {
        const ACTION: &str = "record.note.list";
        let g = self.guard(actor, id, Action::ReadRecords, ACTION).await?;
        let notes = self.inner.store.notes(id).await;
        let notes = self.or_failed(actor, ACTION, &g.subject, notes).await?;
        self.audit(
            Some(actor),
            ACTION,
            &g.subject,
            Outcome::Allowed,
            detail(&g.decision, format!("{} notes", notes.len())),
        )
        .await?;
        Ok(notes)
    }
}
