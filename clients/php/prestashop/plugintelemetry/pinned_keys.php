<?php

/**
 * The Ed25519 public keys this release acts on: `key_id => base64 public key`, taken
 * from ingest's `GET /api/v1/plugins/signing-keys` when the release is built
 * (`php ../build.php --signing-keys-url https://ingest.example.com`) and never fetched
 * at run time: a key fetched from whoever answers would let them sign their own
 * toggles. Empty in the repository: until a release pins its keys, telemetry stays
 * off and the configuration page says why.
 *
 * @return array<string, string>
 */

declare(strict_types=1);

return [];
