-- Ops agents (who may use the Ops API, with which role), upgrade notices with their
-- outbox of deliveries, merchants' notification preferences, and the indexes the Ops
-- installation list pages through.

-- A token is shown once at creation; only its SHA-256 and a short visible prefix are
-- kept (tokens carry 190 random bits, so a fast hash is the right tool, as for API keys).
CREATE TABLE ops_agents (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name          text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._@-]{0,99}$'),
    role          text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    token_prefix  text NOT NULL,
    token_hash    bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    disabled_at   timestamptz
);

-- How a merchant wants to hear about upgrades. In-app is always on (the plugin shows
-- it); the others are opt-in. Quiet hours are in the merchant's timezone
-- (merchants.timezone) and hold back non-critical notices.
CREATE TABLE notification_preferences (
    merchant_id        uuid PRIMARY KEY REFERENCES merchants (id),
    channels           text[] NOT NULL DEFAULT '{in_app,email}'
        CHECK (channels <@ ARRAY['in_app', 'email', 'webhook', 'slack', 'sms']),
    quiet_hours_start  smallint CHECK (quiet_hours_start BETWEEN 0 AND 23),
    quiet_hours_end    smallint CHECK (quiet_hours_end BETWEEN 0 AND 23),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK ((quiet_hours_start IS NULL) = (quiet_hours_end IS NULL))
);

-- One notice: "installation X should move from A to B". Deduplicated per installation,
-- target version and trigger within a throttle window (by the writer, under an
-- advisory lock on the same key).
CREATE TABLE plugin_upgrade_notifications (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    installation_id  uuid NOT NULL REFERENCES plugin_installations (id),
    merchant_id      uuid NOT NULL REFERENCES merchants (id),
    cms              text NOT NULL,
    from_version     text NOT NULL,
    to_version       text NOT NULL,
    upgrade_type     text NOT NULL CHECK (upgrade_type IN ('patch', 'minor', 'major')),
    priority         text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'critical')),
    critical         boolean NOT NULL DEFAULT false,
    trigger          text NOT NULL CHECK (trigger IN ('release', 'ops', 'escalation')),
    message          text,
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    acked_at         timestamptz,
    acked_via        text CHECK (acked_via IN ('in_app', 'email_link', 'api')),
    CHECK ((acked_at IS NULL) = (acked_via IS NULL))
);
CREATE INDEX plugin_upgrade_notifications_dedup_idx
    ON plugin_upgrade_notifications (installation_id, to_version, trigger, created_at DESC);
CREATE INDEX plugin_upgrade_notifications_recent_idx ON plugin_upgrade_notifications (created_at DESC);

-- The outbox: one row per notice and channel, written in the notice's transaction.
-- `id` is the idempotency id every attempt carries, so a receiver can drop a repeat.
CREATE TABLE notification_deliveries (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    notification_id  uuid NOT NULL REFERENCES plugin_upgrade_notifications (id),
    channel          text NOT NULL CHECK (channel IN ('in_app', 'email', 'webhook', 'slack', 'sms')),
    status           text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    not_before       timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (notification_id, channel)
);
CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (not_before) WHERE status = 'pending';

-- The delivery log: every attempt and its outcome, append-only like the audit log.
CREATE TABLE notification_attempts (
    id           bigserial PRIMARY KEY,
    delivery_id  uuid NOT NULL REFERENCES notification_deliveries (id),
    attempt      integer NOT NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    outcome      text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed')),
    detail       text
);
CREATE INDEX notification_attempts_delivery_idx ON notification_attempts (delivery_id, attempt);

-- Keyset pages of the Ops list: newest heartbeat first, optionally by status; and by
-- error rate for "worst first".
CREATE INDEX plugin_installations_page_idx ON plugin_installations (last_heartbeat_at DESC, id DESC);
CREATE INDEX plugin_installations_status_page_idx
    ON plugin_installations (status, last_heartbeat_at DESC, id DESC);
CREATE INDEX plugin_installations_error_page_idx ON plugin_installations (error_rate DESC, id DESC);
CREATE INDEX plugin_installations_host_idx ON plugin_installations (site_host text_pattern_ops);

-- Ingest caches API keys; this tells it that one was revoked (or rotated), so a
-- revoked key is refused at once rather than when its cache entry expires. The
-- payload is the key's hash, never the key.
CREATE FUNCTION notify_api_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('api_keys', encode(NEW.key_hash, 'hex'));
    RETURN NULL;
END $$;
CREATE TRIGGER api_keys_notify AFTER UPDATE OF revoked_at ON api_keys
    FOR EACH ROW EXECUTE FUNCTION notify_api_key_change();
