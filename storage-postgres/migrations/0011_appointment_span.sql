-- An appointment lasts at most 24 hours and blocks its doctor for at most 240 minutes more
-- (medsync_core::scheduling::Appointment::check_span), so every backend may bound the search
-- for a colliding appointment to a window before the new one's start. NOT VALID: enforced for
-- every row written from now on without rejecting the migration over older rows.
ALTER TABLE appointments
    ADD CONSTRAINT appointments_span
    CHECK (end_at - start_at <= interval '24 hours' AND buffer_minutes <= 240) NOT VALID;
