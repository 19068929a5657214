-- MedSync schema, part 2: users (login identities), patient charts and credentials.

CREATE TABLE users (
  id              uuid        NOT NULL,
  email           text        NOT NULL,
  name            text        NOT NULL,
  role            text        NOT NULL,
  status          text        NOT NULL,
  password_hash   text        NOT NULL,
  patient_id      uuid,
  specialization  text,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  version         bigint      NOT NULL,
  CONSTRAINT users_pkey PRIMARY KEY (id),
  CONSTRAINT users_role_check CHECK (role IN ('admin', 'doctor', 'nurse', 'patient', 'caregiver')),
  CONSTRAINT users_status_check CHECK (status IN ('active', 'pending_approval', 'deactivated')),
  CONSTRAINT users_version_check CHECK (version >= 1)
);

CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_created_idx ON users (created_at, id);

COMMENT ON TABLE users IS 'Login identities. A patient user links to its own chart (patient_id).';
COMMENT ON COLUMN users.email IS 'Normalised (trimmed, lower-case) by the service; unique case-insensitively (users_email_key).';
COMMENT ON COLUMN users.password_hash IS 'argon2id PHC string; the password itself is never stored.';
COMMENT ON COLUMN users.version IS 'Optimistic-concurrency version: every update is UPDATE ... WHERE version = <the version read>.';

CREATE TABLE patients (
  id               uuid        NOT NULL,
  name             text        NOT NULL,
  date_of_birth    date,
  sex              text        NOT NULL,
  contact_email    text,
  contact_phone    text,
  contact_address  text,
  mrn              text        NOT NULL,
  user_id          uuid,
  archived_at      timestamptz,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  version          bigint      NOT NULL,
  CONSTRAINT patients_pkey PRIMARY KEY (id),
  CONSTRAINT patients_mrn_key UNIQUE (mrn),
  CONSTRAINT patients_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT patients_sex_check CHECK (sex IN ('female', 'male', 'other', 'unknown')),
  CONSTRAINT patients_version_check CHECK (version >= 1)
);

CREATE INDEX patients_user_idx ON patients (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX patients_name_idx ON patients (name COLLATE "C", id);

COMMENT ON TABLE patients IS 'Patient charts (demographics). Archived, never deleted.';
COMMENT ON COLUMN patients.mrn IS 'Medical record number, unique across charts (patients_mrn_key).';
COMMENT ON COLUMN patients.user_id IS 'The patient''s own login, when they have one.';

-- Deferred: a user and its chart are inserted in one transaction, the user first.
ALTER TABLE users
  ADD CONSTRAINT users_patient_id_fkey FOREIGN KEY (patient_id) REFERENCES patients (id)
  DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE refresh_tokens (
  id          uuid        NOT NULL,
  family_id   uuid        NOT NULL,
  user_id     uuid        NOT NULL,
  token_hash  text        NOT NULL,
  issued_at   timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  rotated_at  timestamptz,
  revoked_at  timestamptz,
  CONSTRAINT refresh_tokens_pkey PRIMARY KEY (id),
  CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash),
  CONSTRAINT refresh_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id)
);

CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

COMMENT ON TABLE refresh_tokens IS
  'Refresh tokens, one row per link of a rotation family. Rotation is one conditional UPDATE '
  '(rotated_at IS NULL AND revoked_at IS NULL AND expires_at > now); presenting a rotated '
  'token again revokes its whole family.';
COMMENT ON COLUMN refresh_tokens.token_hash IS 'Lower-case hex SHA-256 of the opaque token; the token itself is never stored.';
COMMENT ON COLUMN refresh_tokens.family_id IS 'Every token rotated from one login shares the family.';

CREATE TABLE password_reset_tokens (
  token_hash  text        NOT NULL,
  user_id     uuid        NOT NULL,
  issued_at   timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  CONSTRAINT password_reset_tokens_pkey PRIMARY KEY (token_hash),
  CONSTRAINT password_reset_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id)
);

CREATE INDEX password_reset_tokens_user_idx ON password_reset_tokens (user_id);

COMMENT ON TABLE password_reset_tokens IS
  'Single-use password-reset tokens (hashes only). Consumed by one conditional UPDATE '
  '(used_at IS NULL AND expires_at > now).';
