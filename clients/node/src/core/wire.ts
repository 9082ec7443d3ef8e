// The plugin contract's wire types, as ingest writes and reads them
// (ingest/src/routes/{heartbeat,event,config}.rs, ingest/src/answer.rs,
// schemas/src/{heartbeat,event}.rs). Pure data: no I/O here.

/** `schemas::heartbeat::KNOWN_CMS`. */
export const KNOWN_CMS = ['woocommerce', 'prestashop', 'magento', 'shopify', 'noncms', 'custom'] as const;
export type Cms = (typeof KNOWN_CMS)[number];

/** `schemas::heartbeat::ENVIRONMENTS`. */
export const ENVIRONMENTS = ['production', 'staging', 'development', 'test'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** `schemas::event::EventType`. */
export type EventType =
  | 'error'
  | 'activation'
  | 'deactivation'
  | 'uninstalled'
  | 'upgrade_started'
  | 'upgrade_succeeded'
  | 'upgrade_failed'
  | 'toggle_applied'
  | 'notice_acknowledged';

/** The built-in toggle keys (`policy::toggles`). */
export const BLOCK_PLUGIN = 'block_plugin';
export const FORCE_UPDATE = 'force_update';
export const ENABLE_DEBUG = 'enable_debug';

/** The error code a refused signed payload is reported with. */
export const TOGGLE_SIGNATURE_INVALID = 'toggle_signature_invalid';

/** `ingest::signing::Signed`: a payload and its detached Ed25519 signature. */
export interface SignedToggles {
  /** Canonical JSON (`policy::signed::canonical_payload`): verify these exact bytes. */
  payload: string;
  /** base64 of the 64-byte signature. */
  signature: string;
  key_id: string;
  algorithm: string;
}

/** `store::notifications::InAppNotice`. */
export interface Notice {
  notice_id: string;
  to_version: string;
  upgrade_type: string;
  priority: string;
  critical: boolean;
  message: string | null;
  created_at: string;
}

/** `policy::advice::UpgradeAdvice` (unsigned: shown to people, never acted on blindly). */
export interface UpgradeAdvice {
  current_version: string;
  latest_version: string;
  upgrade_type: string;
  critical: boolean;
  required: boolean;
  priority: string;
  reasons: string[];
  changelog: string;
  package_url: string | null;
  requirements: Record<string, string | null>;
}

/** What a heartbeat's 202 and a config poll's 200 both carry (`ingest::answer::PluginAnswer`). */
export interface PluginAnswer {
  signed_toggles: unknown;
  upgrade: UpgradeAdvice | null;
  notices: Notice[];
  /** Heartbeat answers only. */
  next_heartbeat_in_secs: number | null;
}

/** `{"error": {"code", "message", "field"}}` (`ingest/src/error.rs`). */
export interface ServerError {
  code: string;
  message: string;
  field: string | null;
}
