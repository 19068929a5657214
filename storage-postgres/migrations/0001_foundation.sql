-- MedSync schema, part 1: extensions and shared functions.

-- btree_gist lets an EXCLUDE constraint combine "same doctor" (=) with "overlapping time" (&&).
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE FUNCTION medsync_doctor_block(start_at timestamptz, end_at timestamptz, buffer_minutes integer)
RETURNS tstzrange
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.tstzrange(start_at, end_at + pg_catalog.make_interval(mins => buffer_minutes), '[)');

COMMENT ON FUNCTION medsync_doctor_block(timestamptz, timestamptz, integer) IS
  'The interval an appointment blocks on its doctor''s calendar: [start, end + buffer). '
  'Declared IMMUTABLE (timestamptz + interval is only STABLE in general) so that it can be '
  'indexed; that is honest here because adding whole minutes never depends on the session '
  'time zone. Queries must call this same function to use the exclusion index.';

CREATE FUNCTION medsync_reject_change()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'raise_exception',
          HINT = 'MedSync never edits or deletes history; append a new row instead.';
END;
$$;

COMMENT ON FUNCTION medsync_reject_change() IS
  'Trigger function making a table append-only (audit log, record versions, record notes).';
