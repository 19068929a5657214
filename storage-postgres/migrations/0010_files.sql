-- MedSync schema, part 10: uploaded files (metadata and bytes), soft-deleted only.

CREATE TABLE files (
  id           uuid        NOT NULL,
  patient_id   uuid        NOT NULL,
  filename     text        NOT NULL,
  kind         text        NOT NULL,
  size         bigint      NOT NULL,
  sha256       text        NOT NULL,
  uploaded_by  uuid        NOT NULL,
  uploaded_at  timestamptz NOT NULL,
  deleted_at   timestamptz,
  position     bigint      GENERATED ALWAYS AS IDENTITY,
  CONSTRAINT files_pkey PRIMARY KEY (id),
  CONSTRAINT files_patient_id_fkey FOREIGN KEY (patient_id) REFERENCES patients (id),
  CONSTRAINT files_kind_check CHECK (kind IN ('pdf', 'png', 'jpeg', 'dicom')),
  CONSTRAINT files_size_check CHECK (size >= 0),
  CONSTRAINT files_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$')
);

CREATE INDEX files_patient_idx ON files (patient_id, position);

COMMENT ON TABLE files IS
  'Uploaded files'' metadata. Deleting sets deleted_at; metadata and bytes are retained '
  '(medical records are never destroyed).';
COMMENT ON COLUMN files.kind IS 'The type sniffed from the bytes, never the client''s claim.';
COMMENT ON COLUMN files.position IS 'Upload order, for listing a chart''s files oldest first.';

CREATE TABLE file_contents (
  file_id  uuid  NOT NULL,
  bytes    bytea NOT NULL,
  CONSTRAINT file_contents_pkey PRIMARY KEY (file_id),
  CONSTRAINT file_contents_file_id_fkey FOREIGN KEY (file_id) REFERENCES files (id)
);

COMMENT ON TABLE file_contents IS 'The bytes of each file, apart so that listings never read them.';

CREATE TRIGGER file_contents_append_only
  BEFORE UPDATE OR DELETE ON file_contents
  FOR EACH ROW EXECUTE FUNCTION medsync_reject_change();
