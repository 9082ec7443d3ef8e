-- Installation status is decided once, by the rules in the policy crate
-- (policy::status, which takes outdated/critical from the plugin's own upgrade advice),
-- and written by the alerter's status job. PostgreSQL only stores it, so the SQL copy
-- of the rule goes: it ignored runtime/CMS requirements and the beta channel, and Ops
-- could see "critical" while the plugin was told it was up to date.
--
-- The original contract's names stay callable. They ask the status job to recompute
-- at once (NOTIFY installation_status, which it listens to) and return 0: the job does
-- the work, asynchronously, with the one rule.
CREATE OR REPLACE FUNCTION mark_outdated_plugins() RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('installation_status', 'recompute');
    RETURN 0;
END $$;

CREATE OR REPLACE FUNCTION mark_stale_plugins(p_interval_secs integer DEFAULT 3600) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('installation_status', 'recompute');
    RETURN 0;
END $$;

DROP FUNCTION refresh_installation_status(integer, numeric);
DROP FUNCTION installation_status(boolean, boolean, boolean, boolean, boolean);
