-- MedSync schema, part 9: fee schedules and invoices (amounts in integer minor units).

CREATE TABLE fees (
  doctor_id         uuid    NOT NULL,
  appointment_type  text    NOT NULL,
  amount_minor      bigint  NOT NULL,
  currency          text    NOT NULL,
  tax_rate_bp       bigint  NOT NULL,
  CONSTRAINT fees_pkey PRIMARY KEY (doctor_id, appointment_type),
  CONSTRAINT fees_doctor_id_fkey FOREIGN KEY (doctor_id) REFERENCES users (id),
  CONSTRAINT fees_amount_check CHECK (amount_minor >= 0),
  CONSTRAINT fees_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
  CONSTRAINT fees_tax_rate_check CHECK (tax_rate_bp >= 0)
);

COMMENT ON TABLE fees IS 'What each doctor charges per appointment type.';
COMMENT ON COLUMN fees.tax_rate_bp IS 'Tax rate in basis points: 750 = 7.5 %.';

CREATE TABLE invoices (
  id              uuid        NOT NULL,
  appointment_id  uuid        NOT NULL,
  patient_id      uuid        NOT NULL,
  doctor_id       uuid        NOT NULL,
  currency        text        NOT NULL,
  lines           jsonb       NOT NULL,
  subtotal_minor  bigint      NOT NULL,
  discount_minor  bigint      NOT NULL,
  tax_minor       bigint      NOT NULL,
  total_minor     bigint      NOT NULL,
  status          text        NOT NULL,
  payments        jsonb       NOT NULL,
  claim           jsonb,
  created_at      timestamptz NOT NULL,
  issued_at       timestamptz,
  paid_at         timestamptz,
  updated_at      timestamptz NOT NULL,
  version         bigint      NOT NULL,
  CONSTRAINT invoices_pkey PRIMARY KEY (id),
  CONSTRAINT invoices_appointment_id_key UNIQUE (appointment_id),
  CONSTRAINT invoices_appointment_id_fkey FOREIGN KEY (appointment_id) REFERENCES appointments (id),
  CONSTRAINT invoices_patient_id_fkey FOREIGN KEY (patient_id) REFERENCES patients (id),
  CONSTRAINT invoices_doctor_id_fkey FOREIGN KEY (doctor_id) REFERENCES users (id),
  CONSTRAINT invoices_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
  CONSTRAINT invoices_status_check CHECK (status IN ('draft', 'issued', 'paid', 'void')),
  CONSTRAINT invoices_lines_check CHECK (jsonb_typeof(lines) = 'array'),
  CONSTRAINT invoices_payments_check CHECK (jsonb_typeof(payments) = 'array'),
  CONSTRAINT invoices_version_check CHECK (version >= 1)
);

CREATE INDEX invoices_created_idx ON invoices (created_at DESC, id DESC);
CREATE INDEX invoices_patient_idx ON invoices (patient_id, created_at DESC);
CREATE INDEX invoices_doctor_idx ON invoices (doctor_id, created_at DESC);
CREATE INDEX invoices_paid_idx ON invoices (paid_at) WHERE paid_at IS NOT NULL;

COMMENT ON TABLE invoices IS
  'One invoice per appointment (invoices_appointment_id_key), written in the transaction that '
  'completes the appointment with INSERT ... ON CONFLICT (appointment_id) DO NOTHING.';
COMMENT ON COLUMN invoices.total_minor IS 'subtotal - discount + tax, in minor units of currency.';
