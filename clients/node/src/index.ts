// @plugin-telemetry/sdk: telemetry and signed ops toggles for Shopify apps and Node
// backends. The public surface is this file; everything else is internal.

export { TelemetryClient } from './client';
export type { CallFailure, CallResult } from './client';
export type { Logger, TelemetryOptions } from './options';
export type { Refusal } from './core/signed';
export type { Cms, Environment, Notice, UpgradeAdvice } from './core/wire';
export { BLOCK_PLUGIN, ENABLE_DEBUG, FORCE_UPDATE, TOGGLE_SIGNATURE_INVALID } from './core/wire';
export { FileStateStore, MemoryStateStore } from './platform/store';
export type { StateStore } from './platform/store';
export { SDK_VERSION } from './version';
