-- Installation status: the flags it is made of, the one precedence rule, and the
-- seed's functions with their meanings.

ALTER TABLE plugin_installations
    ADD COLUMN is_outdated boolean NOT NULL DEFAULT false,
    -- Below the latest release's minimum supported version, on a withdrawn release, or
    -- missing a security fix released since.
    ADD COLUMN is_critical boolean NOT NULL DEFAULT false,
    -- An effective block_plugin toggle (set by the alerter's status job).
    ADD COLUMN is_blocked boolean NOT NULL DEFAULT false,
    -- The last `uninstalled` event; a later heartbeat means it came back.
    ADD COLUMN uninstalled_at timestamptz;

-- THE precedence, written once: uninstalled > blocked > stale > error > outdated > active.
CREATE FUNCTION installation_status(uninstalled boolean, blocked boolean, stale boolean,
                                    failing boolean, outdated boolean)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN uninstalled THEN 'uninstalled'
        WHEN blocked THEN 'blocked'
        WHEN stale THEN 'stale'
        WHEN failing THEN 'error'
        WHEN outdated THEN 'outdated'
        ELSE 'active'
    END
$$;

-- Recomputes outdated/critical and every status. Stale: no heartbeat for 3 intervals.
-- Failing: last reported hourly error rate above the threshold (percent).
CREATE FUNCTION refresh_installation_status(p_interval_secs integer DEFAULT 3600,
                                            p_error_threshold numeric DEFAULT 5)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    changed integer;
BEGIN
    WITH latest AS (
        SELECT DISTINCT ON (cms) cms, version_key, min_supported_key
        FROM plugin_versions_registry
        WHERE channel = 'stable' AND yanked_at IS NULL
        ORDER BY cms, version_key DESC
    ),
    flags AS (
        SELECT i.id,
               COALESCE(i.version_key < l.version_key, false) AS outdated,
               COALESCE(i.version_key < l.min_supported_key, false)
                 OR EXISTS (SELECT 1 FROM plugin_versions_registry y
                            WHERE y.cms = i.cms AND y.yanked_at IS NOT NULL AND y.version_key = i.version_key)
                 OR EXISTS (SELECT 1 FROM plugin_versions_registry s
                            WHERE s.cms = i.cms AND s.security_fix AND s.yanked_at IS NULL
                              AND s.version_key > i.version_key AND s.version_key <= l.version_key) AS critical,
               installation_status(
                   i.uninstalled_at IS NOT NULL AND i.uninstalled_at >= i.last_heartbeat_at,
                   i.is_blocked,
                   i.last_heartbeat_at < now() - make_interval(secs => 3 * p_interval_secs),
                   i.error_rate > p_error_threshold,
                   COALESCE(i.version_key < l.version_key, false)) AS status
        FROM plugin_installations i
        LEFT JOIN latest l ON l.cms = i.cms
    )
    UPDATE plugin_installations i
    SET is_outdated = f.outdated, is_critical = f.critical, status = f.status, updated_at = now()
    FROM flags f
    WHERE i.id = f.id
      AND (i.is_outdated, i.is_critical, i.status) IS DISTINCT FROM (f.outdated, f.critical, f.status);
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END $$;

-- The seed's names. mark_outdated_plugins: after a registry change, mark who is
-- behind (and refresh every status, since outdated interacts with the others).
CREATE FUNCTION mark_outdated_plugins() RETURNS integer LANGUAGE sql AS $$
    SELECT refresh_installation_status()
$$;

-- The seed's markStalePlugins, with the heartbeat interval as a parameter.
CREATE FUNCTION mark_stale_plugins(p_interval_secs integer DEFAULT 3600) RETURNS integer LANGUAGE sql AS $$
    SELECT refresh_installation_status(p_interval_secs)
$$;

-- The seed's calculate_plugin_error_rate: the installation's error rate (percent of
-- requests) as last reported, when reported within p_hours; 0 otherwise. The full
-- series is in ClickHouse (store::health::error_rate).
CREATE FUNCTION calculate_plugin_error_rate(p_plugin_id uuid, p_hours integer DEFAULT 24)
RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT COALESCE((SELECT error_rate FROM plugin_installations
                     WHERE id = p_plugin_id AND last_heartbeat_at >= now() - make_interval(hours => p_hours)), 0)
$$;
