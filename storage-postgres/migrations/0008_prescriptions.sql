-- MedSync schema, part 8: prescriptions.

CREATE TABLE prescriptions (
  id                 uuid        NOT NULL,
  patient_id         uuid        NOT NULL,
  prescriber         uuid        NOT NULL,
  medication_name    text        NOT NULL,
  medication_rxnorm  text,
  dose               text        NOT NULL,
  route              text        NOT NULL,
  frequency          text        NOT NULL,
  duration_days      bigint,
  quantity           bigint      NOT NULL,
  refills            bigint      NOT NULL,
  instructions       text,
  status             text        NOT NULL,
  interactions       jsonb       NOT NULL,
  override_reason    text,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  version            bigint      NOT NULL,
  CONSTRAINT prescriptions_pkey PRIMARY KEY (id),
  CONSTRAINT prescriptions_patient_id_fkey FOREIGN KEY (patient_id) REFERENCES patients (id),
  CONSTRAINT prescriptions_status_check CHECK (status IN ('active', 'completed', 'cancelled')),
  CONSTRAINT prescriptions_counts_check
    CHECK (quantity >= 0 AND refills >= 0 AND (duration_days IS NULL OR duration_days >= 0)),
  CONSTRAINT prescriptions_interactions_check CHECK (jsonb_typeof(interactions) = 'array'),
  CONSTRAINT prescriptions_version_check CHECK (version >= 1)
);

CREATE INDEX prescriptions_patient_idx ON prescriptions (patient_id, created_at DESC, id DESC);

COMMENT ON TABLE prescriptions IS 'Prescriptions; updated only by compare-and-set on version.';
COMMENT ON COLUMN prescriptions.interactions IS 'What the interaction checker found at prescribing time (JSON array of findings).';
COMMENT ON COLUMN prescriptions.override_reason IS 'The prescriber''s reason for overriding a contraindication.';
