-- MedSync schema, part 7: medical records (immutable versions) and notes.

CREATE TABLE medical_records (
  id               uuid        NOT NULL,
  patient_id       uuid        NOT NULL,
  kind             text        NOT NULL,
  current_version  bigint      NOT NULL,
  created_by       uuid        NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  CONSTRAINT medical_records_pkey PRIMARY KEY (id),
  CONSTRAINT medical_records_patient_id_fkey FOREIGN KEY (patient_id) REFERENCES patients (id),
  CONSTRAINT medical_records_kind_check
    CHECK (kind IN ('diagnosis', 'observation', 'allergy', 'clinical_note', 'document_reference')),
  CONSTRAINT medical_records_current_version_check CHECK (current_version >= 1)
);

CREATE INDEX medical_records_patient_idx ON medical_records (patient_id, created_at, id);

COMMENT ON TABLE medical_records IS
  'Record headers. current_version moves only by '
  'UPDATE ... SET current_version = n + 1 WHERE current_version = n, in the transaction that '
  'inserts version n + 1, so of two amendments from the same version exactly one wins.';

CREATE TABLE record_versions (
  record_id      uuid        NOT NULL,
  version        bigint      NOT NULL,
  content        jsonb       NOT NULL,
  author         uuid        NOT NULL,
  at             timestamptz NOT NULL,
  reason         text,
  change_type    text        NOT NULL,
  restored_from  bigint,
  CONSTRAINT record_versions_pkey PRIMARY KEY (record_id, version),
  CONSTRAINT record_versions_record_id_fkey FOREIGN KEY (record_id) REFERENCES medical_records (id),
  CONSTRAINT record_versions_version_check CHECK (version >= 1),
  CONSTRAINT record_versions_change_check CHECK (change_type IN ('created', 'amended', 'restored')),
  CONSTRAINT record_versions_restored_from_check
    CHECK ((change_type = 'restored') = (restored_from IS NOT NULL)),
  CONSTRAINT record_versions_content_check CHECK (jsonb_typeof(content) = 'object')
);

COMMENT ON TABLE record_versions IS
  'Immutable versions of medical records (append-only, trigger record_versions_append_only).';
COMMENT ON COLUMN record_versions.content IS 'RecordContent as JSON, tagged by "kind".';

-- The header always points at a stored version (checked at commit).
ALTER TABLE medical_records
  ADD CONSTRAINT medical_records_current_version_fkey
  FOREIGN KEY (id, current_version) REFERENCES record_versions (record_id, version)
  DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE record_notes (
  id          uuid        NOT NULL,
  record_id   uuid        NOT NULL,
  patient_id  uuid        NOT NULL,
  author      uuid        NOT NULL,
  at          timestamptz NOT NULL,
  text        text        NOT NULL,
  position    bigint      GENERATED ALWAYS AS IDENTITY,
  CONSTRAINT record_notes_pkey PRIMARY KEY (id),
  CONSTRAINT record_notes_record_id_fkey FOREIGN KEY (record_id) REFERENCES medical_records (id),
  CONSTRAINT record_notes_patient_id_fkey FOREIGN KEY (patient_id) REFERENCES patients (id)
);

CREATE INDEX record_notes_record_idx ON record_notes (record_id, position);

COMMENT ON TABLE record_notes IS 'Notes appended to records; never edited or deleted (trigger record_notes_append_only).';
COMMENT ON COLUMN record_notes.position IS 'Insertion order, for listing notes oldest first.';

CREATE TRIGGER record_versions_append_only
  BEFORE UPDATE OR DELETE ON record_versions
  FOR EACH ROW EXECUTE FUNCTION medsync_reject_change();
CREATE TRIGGER record_versions_no_truncate
  BEFORE TRUNCATE ON record_versions
  FOR EACH STATEMENT EXECUTE FUNCTION medsync_reject_change();
CREATE TRIGGER record_notes_append_only
  BEFORE UPDATE OR DELETE ON record_notes
  FOR EACH ROW EXECUTE FUNCTION medsync_reject_change();
CREATE TRIGGER record_notes_no_truncate
  BEFORE TRUNCATE ON record_notes
  FOR EACH STATEMENT EXECUTE FUNCTION medsync_reject_change();
