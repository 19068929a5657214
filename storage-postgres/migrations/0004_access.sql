-- MedSync schema, part 4: care teams, caregiver grants and break-glass sessions.

CREATE TABLE care_team_assignments (
  patient_id   uuid        NOT NULL,
  member_id    uuid        NOT NULL,
  assigned_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT care_team_assignments_pkey PRIMARY KEY (patient_id, member_id),
  CONSTRAINT care_team_assignments_patient_id_fkey FOREIGN KEY (patient_id) REFERENCES patients (id),
  CONSTRAINT care_team_assignments_member_id_fkey FOREIGN KEY (member_id) REFERENCES users (id)
);

CREATE INDEX care_team_assignments_member_idx ON care_team_assignments (member_id);

COMMENT ON TABLE care_team_assignments IS
  'Explicit care-team assignments. A doctor is also on the care team of every chart they have '
  'a confirmed, completed or no-show appointment (or a live hold) with; that part is derived '
  'from appointments, not stored here.';

CREATE TABLE access_grants (
  id          uuid        NOT NULL,
  patient_id  uuid        NOT NULL,
  grantee     uuid        NOT NULL,
  actions     text[]      NOT NULL,
  granted_by  uuid        NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz,
  revoked_at  timestamptz,
  CONSTRAINT access_grants_pkey PRIMARY KEY (id),
  CONSTRAINT access_grants_patient_id_fkey FOREIGN KEY (patient_id) REFERENCES patients (id),
  CONSTRAINT access_grants_grantee_fkey FOREIGN KEY (grantee) REFERENCES users (id),
  CONSTRAINT access_grants_actions_check CHECK (array_position(actions, NULL) IS NULL)
);

CREATE INDEX access_grants_patient_idx ON access_grants (patient_id, created_at, id);
CREATE INDEX access_grants_grantee_idx ON access_grants (grantee);

COMMENT ON TABLE access_grants IS
  'A patient''s delegation of scoped actions on their chart to a caregiver. Active while '
  'revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now).';
COMMENT ON COLUMN access_grants.actions IS 'Delegated actions by wire name, e.g. {read_chart,read_appointments}.';

CREATE TABLE break_glass_sessions (
  id          uuid        NOT NULL,
  actor       uuid        NOT NULL,
  patient_id  uuid        NOT NULL,
  reason      text        NOT NULL,
  started_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  CONSTRAINT break_glass_sessions_pkey PRIMARY KEY (id),
  CONSTRAINT break_glass_sessions_actor_fkey FOREIGN KEY (actor) REFERENCES users (id),
  CONSTRAINT break_glass_sessions_patient_id_fkey FOREIGN KEY (patient_id) REFERENCES patients (id),
  CONSTRAINT break_glass_sessions_reason_check CHECK (btrim(reason) <> '')
);

CREATE INDEX break_glass_sessions_actor_idx ON break_glass_sessions (actor, patient_id, expires_at);

COMMENT ON TABLE break_glass_sessions IS
  'A doctor''s time-boxed emergency access to a chart outside the care team (always audited).';
