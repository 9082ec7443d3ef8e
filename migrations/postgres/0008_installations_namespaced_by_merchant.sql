-- An installation id is chosen by the plugin, so two merchants can send the same one
-- (a WordPress site cloned for another merchant copies it). The first merchant keeps
-- the id; every other merchant's installation is stored under an id namespaced by its
-- merchant (schemas::installation::namespaced_installation_id), with the id its plugin
-- sends kept here. Heartbeats, events and reads go by (merchant, reported id), so no
-- merchant's heartbeat is refused or merged into another's.
ALTER TABLE plugin_installations ADD COLUMN reported_id uuid;
COMMENT ON COLUMN plugin_installations.reported_id IS
    'the installation id the plugin sends, when the row id is namespaced by merchant (NULL: the same as id)';
CREATE UNIQUE INDEX plugin_installations_reported_idx
    ON plugin_installations (merchant_id, (COALESCE(reported_id, id)));
