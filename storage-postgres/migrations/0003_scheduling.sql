-- MedSync schema, part 3: availability and appointments.

CREATE TABLE doctor_availability (
  doctor_id       uuid    NOT NULL,
  timezone        text    NOT NULL,
  weekly          jsonb   NOT NULL,
  exceptions      jsonb   NOT NULL,
  slot_minutes    integer NOT NULL,
  buffer_minutes  integer NOT NULL,
  CONSTRAINT doctor_availability_pkey PRIMARY KEY (doctor_id),
  CONSTRAINT doctor_availability_doctor_id_fkey FOREIGN KEY (doctor_id) REFERENCES users (id),
  CONSTRAINT doctor_availability_weekly_check CHECK (jsonb_typeof(weekly) = 'array'),
  CONSTRAINT doctor_availability_exceptions_check CHECK (jsonb_typeof(exceptions) = 'array'),
  CONSTRAINT doctor_availability_slot_check CHECK (slot_minutes > 0),
  CONSTRAINT doctor_availability_buffer_check CHECK (buffer_minutes >= 0)
);

COMMENT ON TABLE doctor_availability IS 'One row per doctor: weekly rules in an IANA time zone, time off, slot length and buffer.';
COMMENT ON COLUMN doctor_availability.weekly IS 'JSON array of {day, start, end} in the doctor''s local wall time.';
COMMENT ON COLUMN doctor_availability.exceptions IS 'JSON array of {start, end, reason}: time off, in UTC.';

CREATE TABLE appointments (
  id                   uuid        NOT NULL,
  doctor_id            uuid        NOT NULL,
  patient_id           uuid        NOT NULL,
  start_at             timestamptz NOT NULL,
  end_at               timestamptz NOT NULL,
  buffer_minutes       integer     NOT NULL,
  appointment_type     text        NOT NULL,
  status               text        NOT NULL,
  hold_expires_at      timestamptz,
  reason               text,
  cancelled_by         uuid,
  cancelled_by_role    text,
  cancellation_reason  text,
  cancelled_at         timestamptz,
  idempotency_key      text,
  booked_by            uuid        NOT NULL,
  version              bigint      NOT NULL,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  CONSTRAINT appointments_pkey PRIMARY KEY (id),
  CONSTRAINT appointments_doctor_id_fkey FOREIGN KEY (doctor_id) REFERENCES users (id),
  CONSTRAINT appointments_patient_id_fkey FOREIGN KEY (patient_id) REFERENCES patients (id),
  CONSTRAINT appointments_time_order CHECK (end_at > start_at),
  CONSTRAINT appointments_buffer_check CHECK (buffer_minutes >= 0),
  CONSTRAINT appointments_status_check
    CHECK (status IN ('pending', 'confirmed', 'completed', 'cancelled', 'no_show', 'expired')),
  CONSTRAINT appointments_pending_hold CHECK (status <> 'pending' OR hold_expires_at IS NOT NULL),
  CONSTRAINT appointments_cancellation_complete
    CHECK (num_nulls(cancelled_by, cancelled_by_role, cancelled_at) IN (0, 3)),
  CONSTRAINT appointments_cancelled_by_role_check
    CHECK (cancelled_by_role IN ('admin', 'doctor', 'nurse', 'patient', 'caregiver')),
  CONSTRAINT appointments_version_check CHECK (version >= 1),
  -- NULL keys never collide, so only bookings that carry a key are deduplicated.
  CONSTRAINT appointments_idempotency_key UNIQUE (booked_by, idempotency_key),
  CONSTRAINT appointments_doctor_overlap EXCLUDE USING gist (
    doctor_id WITH =,
    medsync_doctor_block(start_at, end_at, buffer_minutes) WITH &&
  ) WHERE (status IN ('pending', 'confirmed')),
  CONSTRAINT appointments_patient_overlap EXCLUDE USING gist (
    patient_id WITH =,
    tstzrange(start_at, end_at, '[)') WITH &&
  ) WHERE (status IN ('pending', 'confirmed'))
);

COMMENT ON TABLE appointments IS
  'Appointments: pending (a hold that expires) -> confirmed -> completed | no_show; '
  'pending | confirmed -> cancelled; pending -> expired. Two active appointments never '
  'overlap for a doctor (buffer included, appointments_doctor_overlap) or for a patient '
  '(appointments_patient_overlap). A pending row whose hold has lapsed still counts for the '
  'constraints until it is marked expired: every booking first expires the lapsed holds of '
  'its doctor and patient in the same transaction. Writers that could collide (same doctor or '
  'same patient) queue on transaction-scoped advisory locks of those two calendars before '
  'writing, because concurrent conflicting inserts into an exclusion index deadlock.';
COMMENT ON COLUMN appointments.buffer_minutes IS 'The doctor''s buffer at booking time: the doctor is blocked until end_at + buffer.';
COMMENT ON COLUMN appointments.hold_expires_at IS 'For pending holds: when the hold lapses unless confirmed.';
COMMENT ON COLUMN appointments.idempotency_key IS 'The booker''s idempotency key, unique per booker (appointments_idempotency_key).';
COMMENT ON COLUMN appointments.version IS 'Optimistic-concurrency version: +1 per stored change.';

-- Listing a doctor's calendar, a patient's appointments, and everything by start.
CREATE INDEX appointments_doctor_start_idx ON appointments (doctor_id, start_at, id);
CREATE INDEX appointments_patient_start_idx ON appointments (patient_id, start_at, id);
CREATE INDEX appointments_start_idx ON appointments (start_at, id);
-- The hold sweep (expire_holds).
CREATE INDEX appointments_pending_holds_idx ON appointments (hold_expires_at) WHERE status = 'pending';
-- Analytics: bookings by creation time, cancellations by cancellation time.
CREATE INDEX appointments_created_idx ON appointments (created_at);
CREATE INDEX appointments_cancelled_idx ON appointments (cancelled_at) WHERE cancelled_at IS NOT NULL;
