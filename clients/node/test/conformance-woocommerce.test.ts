// The same conformance scenarios (clients/contract/scenarios.json), every one of them,
// against the WooCommerce adapter (clients/php/woocommerce): the PHP core's Driver run
// inside the real WordPress of dev/wordpress with the adapter's StateStore (a WordPress
// option, PTWC_Option_State_Store) in place of the state file, through
// clients/php/woocommerce/tests/conformance-driver.php. Needs `dev/wordpress up` (MariaDB
// and the site) besides the live stack; a site that is not there fails the suite with
// the reason.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after } from 'node:test';

import { describeConformance } from '../harness/conformance-suite';
import { REPO_ROOT } from '../harness/live-stack';
import { phpDriverKind } from '../harness/php-client';

const WORDPRESS = join(REPO_ROOT, 'dev', 'wordpress');
const DRIVER = join(REPO_ROOT, 'clients', 'php', 'woocommerce', 'tests', 'conformance-driver.php');

function wordpress(args: string[], stdin?: string): Promise<string> {
  return new Promise((ok, fail) => {
    const child = execFile(WORDPRESS, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) fail(new Error(`dev/wordpress ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else ok(stdout);
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

const woocommerce = phpDriverKind({
  name: 'woocommerce',
  driverFile: DRIVER,
  command: [WORDPRESS, 'php', DRIVER],
  check: async () => {
    const out = await wordpress(['php', '-'], '<?php echo function_exists("sodium_crypto_sign_verify_detached") ? "ok" : "no-sodium";').catch(
      (e: unknown) => {
        throw new Error(`the WordPress of dev/wordpress is not usable (start it with dev/wordpress up): ${String(e)}`);
      },
    );
    if (out.trim() !== 'ok') throw new Error(`WordPress's PHP cannot verify Ed25519 signatures: ${out}`);
  },
});

describeConformance('conformance scenarios against the WooCommerce adapter inside WordPress (clients/contract/scenarios.json)', woocommerce);

// Each client's state is an option named after its state file: remove them all.
after(async () => {
  await wordpress(
    ['php', '-'],
    `<?php global $wpdb; foreach ($wpdb->get_col("SELECT option_name FROM {$wpdb->options} WHERE option_name LIKE 'ptwc\\\\_conformance\\\\_%'") as $o) { delete_option($o); }`,
  ).catch(() => undefined);
});
