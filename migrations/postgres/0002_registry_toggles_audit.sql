-- Version registry, ops toggles and the append-only audit log.

-- Releases per CMS. `version_key` is [major, minor, patch, is_release] as the Rust
-- version parser reads `version` (schemas::version), so SQL can order versions
-- without a second parser; `min_supported_key` likewise.
CREATE TABLE plugin_versions_registry (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cms                    text NOT NULL,
    version                text NOT NULL,
    version_key            integer[] NOT NULL CHECK (cardinality(version_key) = 4),
    channel                text NOT NULL DEFAULT 'stable' CHECK (channel IN ('stable', 'beta')),
    released_at            timestamptz NOT NULL DEFAULT now(),
    min_supported_version  text,
    min_supported_key      integer[] CHECK (min_supported_key IS NULL OR cardinality(min_supported_key) = 4),
    security_fix           boolean NOT NULL DEFAULT false,
    min_runtime_version    text,
    min_cms_version        text,
    tested_up_to           text,
    changelog              text NOT NULL DEFAULT '',
    package_url            text,
    yanked_at              timestamptz,
    yank_reason            text,
    published_by           text NOT NULL,
    UNIQUE (cms, version)
);

-- Ops switches. Scope: one installation (which also names its merchant, so no other
-- merchant's key can ever see it), a merchant, a CMS (optionally a semver range of
-- versions), or everything. Revoked toggles stay for the record.
CREATE TABLE plugin_ops_toggles (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key              text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,63}$'),
    value            jsonb NOT NULL,
    scope            text NOT NULL CHECK (scope IN ('installation', 'merchant', 'cms', 'global')),
    installation_id  uuid,
    merchant_id      uuid REFERENCES merchants (id),
    cms              text,
    version_range    text,
    reason           text NOT NULL CHECK (length(btrim(reason)) > 0),
    expires_at       timestamptz,
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    revoked_at       timestamptz,
    revoked_by       text,
    revoke_reason    text,
    CHECK (scope <> 'installation' OR (installation_id IS NOT NULL AND merchant_id IS NOT NULL)),
    CHECK (scope <> 'merchant' OR merchant_id IS NOT NULL),
    CHECK (scope <> 'cms' OR cms IS NOT NULL),
    CHECK (version_range IS NULL OR scope = 'cms'),
    CHECK (key NOT IN ('block_plugin', 'enable_debug') OR expires_at IS NOT NULL)
);
CREATE INDEX plugin_ops_toggles_active_idx ON plugin_ops_toggles (key) WHERE revoked_at IS NULL;

-- Who did what, when, from where, to what, why. Append-only: updates, deletes and
-- truncation are refused by triggers, so even a bug cannot rewrite history.
CREATE TABLE audit_log (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor           text NOT NULL,
    source_address  text,
    action          text NOT NULL,
    target_type     text NOT NULL,
    target_id       text NOT NULL,
    before          jsonb,
    after           jsonb,
    reason          text
);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

-- Ingest caches toggles and the registry; this tells it (and the status jobs) that
-- they changed, so a change reaches plugins within a second.
CREATE FUNCTION notify_plugin_config() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('plugin_config', TG_TABLE_NAME);
    RETURN NULL;
END $$;
CREATE TRIGGER plugin_ops_toggles_notify AFTER INSERT OR UPDATE OR DELETE ON plugin_ops_toggles
    FOR EACH STATEMENT EXECUTE FUNCTION notify_plugin_config();
CREATE TRIGGER plugin_versions_registry_notify AFTER INSERT OR UPDATE OR DELETE ON plugin_versions_registry
    FOR EACH STATEMENT EXECUTE FUNCTION notify_plugin_config();

-- The installed version as the same key (NULL when it does not parse).
ALTER TABLE plugin_installations ADD COLUMN version_key integer[];
