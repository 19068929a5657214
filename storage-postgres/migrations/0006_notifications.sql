-- MedSync schema, part 6: stored notifications.

CREATE TABLE notifications (
  id          uuid        NOT NULL,
  user_id     uuid        NOT NULL,
  kind        text        NOT NULL,
  message     text        NOT NULL,
  data        jsonb       NOT NULL,
  created_at  timestamptz NOT NULL,
  read_at     timestamptz,
  CONSTRAINT notifications_pkey PRIMARY KEY (id),
  CONSTRAINT notifications_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT notifications_kind_check CHECK (kind ~ '^[a-z][a-z0-9_]*$')
);

CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;

COMMENT ON TABLE notifications IS
  'Notifications per user. Real-time delivery across processes goes through '
  'pg_notify(''medsync_notifications'', <json>) (PgNotifier).';
COMMENT ON COLUMN notifications.kind IS 'NotificationKind wire name, e.g. appointment_booked.';
