-- E-mail acknowledgement links expire (NOTIFY_ACK_LINK_DAYS from their delivery); links
-- sent before this column existed count from the notice's creation.
ALTER TABLE plugin_upgrade_notifications ADD COLUMN ack_token_expires_at timestamptz;
