// Ed25519 verification with node:crypto (no dependency): the raw 32-byte public key
// is wrapped in its SPKI DER header, the only form createPublicKey takes.

import { createHash, createPublicKey, randomUUID, verify, type KeyObject } from 'node:crypto';

import type { Ed25519Verify } from '../core/signed';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const keys = new Map<string, KeyObject>();

function publicKey(raw: Uint8Array): KeyObject {
  const id = Buffer.from(raw).toString('base64');
  let key = keys.get(id);
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
    keys.set(id, key);
  }
  return key;
}

export const ed25519Verify: Ed25519Verify = (raw, message, signature) => {
  if (raw.length !== 32 || signature.length !== 64) return false;
  try {
    return verify(null, message, publicKey(raw), signature);
  } catch {
    return false;
  }
};

export function newId(): string {
  return randomUUID();
}

/** A short, one-way fingerprint of an API key (to notice the key changed; never the key). */
export function keyFingerprint(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
}
