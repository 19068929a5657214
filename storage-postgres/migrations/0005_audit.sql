-- MedSync schema, part 5: the tamper-evident audit log.
--
-- Entries form 16 independent hash chains: events about a chart go to one of chains 1-15 by
-- chart (so each chart's entries are in commit order in one chain, and writes about unrelated
-- charts never wait for each other); events about no chart (accounts, logins, audit reads)
-- share the system chain 0. A writer bumps its chain's head and inserts the linked entry in
-- one statement, the LAST of the transaction that makes the audited change: the head row's
-- lock is held only until COMMIT, and writers on other chains never wait for it.

CREATE TABLE audit_heads (
  chain      integer NOT NULL,
  seq        bigint  NOT NULL,
  hash       text    NOT NULL,
  prev_hash  text    NOT NULL,
  CONSTRAINT audit_heads_pkey PRIMARY KEY (chain),
  CONSTRAINT audit_heads_chain_check CHECK (chain >= 0),
  CONSTRAINT audit_heads_seq_check CHECK (seq >= 0),
  CONSTRAINT audit_heads_hash_check CHECK (hash ~ '^[0-9a-f]{64}$' AND prev_hash ~ '^[0-9a-f]{64}$')
);

INSERT INTO audit_heads (chain, seq, hash, prev_hash)
SELECT c, 0, repeat('0', 64), repeat('0', 64) FROM generate_series(0, 15) AS c;

COMMENT ON TABLE audit_heads IS
  'The head of each audit hash chain: the seq and hash of its last entry (seq 0 and 64 zeros '
  'for an empty chain) and that entry''s prev_hash. An append is one statement: '
  'UPDATE audit_heads SET seq = seq + 1, prev_hash = hash, hash = <link> ... RETURNING, '
  'feeding the INSERT into audit_log. Anchor the head hashes elsewhere to detect truncation '
  'of a chain''s tail.';

CREATE TABLE audit_log (
  chain       integer     NOT NULL,
  seq         bigint      NOT NULL,
  event       jsonb       NOT NULL,
  at          timestamptz NOT NULL,
  event_id    uuid        GENERATED ALWAYS AS ((event ->> 'id')::uuid) STORED,
  actor       uuid        GENERATED ALWAYS AS ((event ->> 'actor')::uuid) STORED,
  patient_id  uuid        GENERATED ALWAYS AS ((event ->> 'patient_id')::uuid) STORED,
  action      text        GENERATED ALWAYS AS (event ->> 'action') STORED,
  outcome     text        GENERATED ALWAYS AS (event ->> 'outcome') STORED,
  prev_hash   text        NOT NULL,
  hash        text        NOT NULL,
  CONSTRAINT audit_log_pkey PRIMARY KEY (chain, seq),
  CONSTRAINT audit_log_seq_check CHECK (seq >= 1),
  CONSTRAINT audit_log_event_check CHECK (event_id IS NOT NULL AND action IS NOT NULL),
  CONSTRAINT audit_log_outcome_check CHECK (outcome IN ('allowed', 'denied', 'failed')),
  CONSTRAINT audit_log_at_check CHECK (at = (event ->> 'at')::timestamptz),
  CONSTRAINT audit_log_hash_check CHECK (hash ~ '^[0-9a-f]{64}$' AND prev_hash ~ '^[0-9a-f]{64}$')
);

COMMENT ON TABLE audit_log IS
  'Append-only (trigger audit_log_append_only). hash = sha256("medsync-audit-v1" || prev_hash '
  '|| chain || seq || canonical JSON of event); see medsync_core::audit::chain. Modified, '
  'deleted or reordered rows are reported by MedSync::verify_audit_chain().';
COMMENT ON COLUMN audit_log.event IS 'The audited event exactly as hashed; the generated columns below index it.';
COMMENT ON COLUMN audit_log.at IS 'The event time (equal to event->>''at'', audit_log_at_check).';

CREATE INDEX audit_log_at_idx ON audit_log (at DESC, event_id DESC);
CREATE INDEX audit_log_patient_idx ON audit_log (patient_id, at DESC) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at DESC) WHERE actor IS NOT NULL;
CREATE INDEX audit_log_logins_idx ON audit_log (at) WHERE action = 'auth.login' AND outcome = 'allowed';

CREATE TRIGGER audit_log_append_only
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION medsync_reject_change();
CREATE TRIGGER audit_log_no_truncate
  BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION medsync_reject_change();
