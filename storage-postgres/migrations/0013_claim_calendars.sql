-- What a booking does first, after BEGIN, as one call: take the doctor's and the patient's
-- calendar locks (transaction-scoped advisory locks, the two keys in ascending order, as
-- every scheduling transaction takes them) and expire their lapsed holds, locking those rows
-- in id order first (the order every scheduling transaction uses). Sent in the same message
-- as BEGIN, it saves the round trip the hold expiry took on its own; PL/pgSQL keeps its
-- statements' plans per session, so unlike the same statements sent as literal SQL it is not
-- parsed and planned on every booking. Each statement reads a fresh snapshot (READ
-- COMMITTED), so the expiry sees everything committed before the locks were granted.
-- Returns how many holds it expired.

CREATE FUNCTION medsync_claim_calendars(
  first_key  bigint,
  second_key bigint,
  doctor     uuid,
  patient    uuid,
  at         timestamptz
) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  expired bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(first_key);
  PERFORM pg_advisory_xact_lock(second_key);
  PERFORM 1 FROM appointments
    WHERE (doctor_id = doctor OR patient_id = patient)
      AND status = 'pending' AND hold_expires_at <= at
    ORDER BY id
    FOR UPDATE;
  UPDATE appointments SET status = 'expired', version = version + 1, updated_at = at
    WHERE (doctor_id = doctor OR patient_id = patient)
      AND status = 'pending' AND hold_expires_at <= at;
  GET DIAGNOSTICS expired = ROW_COUNT;
  RETURN expired;
END
$$;

COMMENT ON FUNCTION medsync_claim_calendars(bigint, bigint, uuid, uuid, timestamptz) IS
  'A booking''s first step: the two calendar advisory locks (keys ascending), then the '
  'lapsed holds of the doctor or the patient expired (rows locked in id order first). '
  'Returns how many holds it expired.';
