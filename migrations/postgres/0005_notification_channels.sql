-- Where each merchant's notices go, acknowledgement links, escalation and release
-- announcements.

-- Channel endpoints. The webhook signing secret and the Slack URL (which is itself a
-- credential) are sealed (store::sealed) so a dump does not leak them; the phone
-- number is personal data and never logged.
ALTER TABLE notification_preferences
    ADD COLUMN webhook_url            text CHECK (webhook_url IS NULL OR webhook_url ~ '^https?://'),
    ADD COLUMN webhook_secret_sealed  bytea,
    ADD COLUMN slack_url_sealed       bytea,
    ADD COLUMN sms_phone              text CHECK (sms_phone IS NULL OR sms_phone ~ '^\+[1-9][0-9]{6,14}$'),
    -- An unacknowledged notice escalates in-app → email → SMS (see the alerter's settings).
    ADD COLUMN escalate               boolean NOT NULL DEFAULT true;

-- The e-mail's acknowledgement link carries a random token; only its hash is kept.
ALTER TABLE plugin_upgrade_notifications ADD COLUMN ack_token_hash bytea UNIQUE;

-- A delivery being sent is leased: `not_before` moves past the lease when claimed, so
-- a dispatcher killed mid-send lets another retry it after the lease, with the same
-- idempotency id (the delivery id).
ALTER TABLE notification_deliveries ADD COLUMN last_attempt_at timestamptz;

-- A stable release is announced once to the installations it leaves behind.
ALTER TABLE plugin_versions_registry ADD COLUMN announced_at timestamptz;

-- Ingest serves unacknowledged in-app notices in heartbeat answers from a cache; this
-- tells it that notices changed.
CREATE FUNCTION notify_plugin_notices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('plugin_notices', '');
    RETURN NULL;
END $$;
CREATE TRIGGER plugin_upgrade_notifications_notify AFTER INSERT OR UPDATE OF acked_at ON plugin_upgrade_notifications
    FOR EACH STATEMENT EXECUTE FUNCTION notify_plugin_notices();

-- Quiet hours defer a delivery without counting an attempt; the log says so.
ALTER TABLE notification_attempts DROP CONSTRAINT notification_attempts_outcome_check;
ALTER TABLE notification_attempts ADD CONSTRAINT notification_attempts_outcome_check
    CHECK (outcome IN ('delivered', 'retry', 'failed', 'deferred'));

-- The channels a notice to this merchant goes out on: those they chose that can be
-- delivered (an address, URL or number is set), and always in-app. Nothing is queued
-- that is bound to fail.
CREATE FUNCTION deliverable_channels(p_merchant uuid) RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT ARRAY(
        SELECT DISTINCT c FROM merchants m
        LEFT JOIN notification_preferences p ON p.merchant_id = m.id
        CROSS JOIN LATERAL unnest(COALESCE(p.channels, '{in_app,email}') || '{in_app}'::text[]) AS c
        WHERE m.id = p_merchant
          AND (c = 'in_app'
               OR (c = 'email' AND m.email IS NOT NULL)
               OR (c = 'webhook' AND p.webhook_url IS NOT NULL AND p.webhook_secret_sealed IS NOT NULL)
               OR (c = 'slack' AND p.slack_url_sealed IS NOT NULL)
               OR (c = 'sms' AND p.sms_phone IS NOT NULL))
        ORDER BY c)
$$;

-- Ingest reads what changed since its previous read (new notices, acknowledgements).
CREATE INDEX plugin_upgrade_notifications_acked_idx ON plugin_upgrade_notifications (acked_at)
    WHERE acked_at IS NOT NULL;
