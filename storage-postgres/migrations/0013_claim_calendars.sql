-- What every calendar-changing transaction (a booking, a move) does first, as one call:
-- take the doctor's and the patient's calendar locks (transaction-scoped advisory locks,
-- the two keys in ascending order) and expire their lapsed holds except `keep` (the
-- appointment being moved), locking those rows and `keep` in id order first, the order every
-- scheduling transaction uses. A booking sends it in the same message as BEGIN, which saves
-- the round trip the hold expiry took on its own; PL/pgSQL keeps its statements' plans per
-- session, so unlike the same statements sent as literal SQL it is not parsed and planned
-- each time. Each statement reads a fresh snapshot (READ COMMITTED), so the expiry sees
-- everything committed before the locks were granted. Returns how many holds it expired.

CREATE FUNCTION medsync_claim_calendars(
  first_key  bigint,
  second_key bigint,
  doctor     uuid,
  patient    uuid,
  at         timestamptz,
  keep       uuid
) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  lapsed  bigint;
  expired bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(first_key);
  PERFORM pg_advisory_xact_lock(second_key);
  SELECT count(*) FILTER (WHERE id IS DISTINCT FROM keep) INTO lapsed
    FROM (SELECT id FROM appointments
            WHERE id = keep
               OR ((doctor_id = doctor OR patient_id = patient)
                   AND status = 'pending' AND hold_expires_at <= at)
            ORDER BY id
            FOR UPDATE) AS locked;
  IF lapsed = 0 THEN
    RETURN 0; -- the usual case: nothing lapsed, nothing to update
  END IF;
  UPDATE appointments SET status = 'expired', version = version + 1, updated_at = at
    WHERE (doctor_id = doctor OR patient_id = patient)
      AND status = 'pending' AND hold_expires_at <= at
      AND id IS DISTINCT FROM keep;
  GET DIAGNOSTICS expired = ROW_COUNT;
  RETURN expired;
END
$$;

COMMENT ON FUNCTION medsync_claim_calendars(bigint, bigint, uuid, uuid, timestamptz, uuid) IS
  'The first step of a booking or a move: the two calendar advisory locks (keys ascending), '
  'then the lapsed holds of the doctor or the patient, except keep, expired (rows and keep '
  'locked in id order first). Returns how many holds it expired.';
