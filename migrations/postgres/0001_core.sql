-- Merchants, their API keys and the installation registry.
-- Applied once by `migrate` (tracked in schema_migrations); never edit after release:
-- add a new numbered file instead.

CREATE TABLE merchants (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- Contact address: personal data, never logged.
    email       text,
    locale      text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'fr')),
    timezone    text NOT NULL DEFAULT 'UTC',
    tier        text NOT NULL DEFAULT 'standard',
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A key is shown once at creation; only its SHA-256 and a short visible prefix are kept.
CREATE TABLE api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    merchant_id  uuid NOT NULL REFERENCES merchants (id),
    prefix       text NOT NULL,
    key_hash     bytea NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    label        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
CREATE INDEX api_keys_merchant_idx ON api_keys (merchant_id);

-- One row per plugin on one site. `id` is the plugin's installation_id (or the one
-- ingest derived). Written by the aggregator in batches; status by the status jobs.
CREATE TABLE plugin_installations (
    id                    uuid PRIMARY KEY,
    merchant_id           uuid NOT NULL REFERENCES merchants (id),
    cms                   text NOT NULL,
    cms_version           text,
    plugin_version        text NOT NULL,
    plugin_version_valid  boolean NOT NULL DEFAULT true,
    sdk_language          text,
    runtime_version       text,
    site_host             text,
    environment           text NOT NULL DEFAULT 'production',
    status                text NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'outdated', 'stale', 'error', 'blocked', 'uninstalled')),
    -- Errors per 100 requests in the last heartbeat's hour (0 when it sent no requests).
    error_rate            numeric(6, 2) NOT NULL DEFAULT 0 CHECK (error_rate >= 0),
    requests_last_hour    bigint,
    errors_last_hour      double precision NOT NULL DEFAULT 0,
    last_error_code       text,
    server_info           jsonb NOT NULL DEFAULT '{}',
    heartbeat_count       bigint NOT NULL DEFAULT 0,
    first_seen_at         timestamptz NOT NULL,
    last_heartbeat_at     timestamptz NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plugin_installations_merchant_idx ON plugin_installations (merchant_id);
CREATE INDEX plugin_installations_cms_version_idx ON plugin_installations (cms, plugin_version);
CREATE INDEX plugin_installations_status_idx ON plugin_installations (status);
CREATE INDEX plugin_installations_heartbeat_idx ON plugin_installations (last_heartbeat_at DESC);

-- How far each Kafka partition has been applied to this database. The aggregator
-- advances it in the same transaction as the installation upserts, so a replayed
-- record (after a crash or rebalance) is recognised and not counted twice.
CREATE TABLE aggregator_offsets (
    topic        text NOT NULL,
    partition    integer NOT NULL,
    next_offset  bigint NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition)
);
