-- An acknowledged notice is not sent again. Every acknowledgement path (the plugin's
-- event through the aggregator, the e-mail link, the Ops API) sets acked_at, so the
-- rule lives here once: the notice's pending deliveries, also those waiting out quiet
-- hours or a retry backoff, are cancelled in the same statement.
ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_status_check;
ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_status_check
    CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled'));

CREATE FUNCTION cancel_acknowledged_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE notification_deliveries SET status = 'cancelled', updated_at = now()
    WHERE notification_id = NEW.id AND status = 'pending';
    RETURN NULL;
END $$;
CREATE TRIGGER plugin_upgrade_notifications_cancel_on_ack
    AFTER UPDATE OF acked_at ON plugin_upgrade_notifications
    FOR EACH ROW WHEN (OLD.acked_at IS NULL AND NEW.acked_at IS NOT NULL)
    EXECUTE FUNCTION cancel_acknowledged_deliveries();

-- Lease fencing: each claim of a delivery gets a new lease id, and an outcome is
-- recorded only under the lease it was claimed with. A send that outlived its lease
-- (and was claimed and sent again by another dispatcher) can no longer overwrite what
-- the later attempt recorded, e.g. a late failure turning `delivered` into `failed`.
ALTER TABLE notification_deliveries ADD COLUMN lease_id uuid;

-- Notice pages are keyset pages on (created_at, id): a release announcement inserts
-- thousands of notices with one now().
CREATE INDEX plugin_upgrade_notifications_page_idx
    ON plugin_upgrade_notifications (created_at DESC, id DESC);
DROP INDEX IF EXISTS plugin_upgrade_notifications_recent_idx;
