// A Shopify app's Node backend, without a framework (node:http only), wired to the SDK:
//
//   GET  /checkout                 the payment step, unless Ops blocked the plugin
//   POST /checkout/pay             a payment attempt; failures are recorded as error events
//   GET  /admin                    the merchant's settings page: notices, debug, consent
//   POST /admin/consent            the merchant agrees to telemetry
//   POST /admin/notices/ack?id=…   the merchant dismisses an upgrade notice
//   POST /webhooks/app/uninstalled Shopify's app/uninstalled webhook
//
// Run (after `npm run build`):
//   PLUGIN_TELEMETRY_URL=http://127.0.0.1:8080 PLUGIN_TELEMETRY_API_KEY=ptk_… \
//   PLUGIN_TELEMETRY_PINNED_KEYS='k1=BASE64' SHOP_DOMAIN=my-shop.myshopify.com \
//   node dist/examples/shopify-app.js
//
// One client per shop (installation). A real app verifies Shopify's webhook HMAC and
// its session before any of this; left out to keep the SDK's part visible.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

import { TelemetryClient, type Notice } from '../src/index'; // in your app: '@plugin-telemetry/sdk'

/** Pinned in the release: `key_id=base64,key_id=base64` (never fetched from the server). */
function pinnedKeys(raw: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const pair of raw.split(',').filter(Boolean)) {
    const at = pair.indexOf('=');
    keys[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return keys;
}

const telemetry = new TelemetryClient({
  ingestUrl: process.env['PLUGIN_TELEMETRY_URL'] ?? 'http://127.0.0.1:8080',
  apiKey: process.env['PLUGIN_TELEMETRY_API_KEY'] ?? '',
  pinnedKeys: pinnedKeys(process.env['PLUGIN_TELEMETRY_PINNED_KEYS'] ?? ''),
  pluginVersion: '2.4.1',
  siteHost: process.env['SHOP_DOMAIN'] ?? 'my-shop.myshopify.com',
  statePath: `./.plugin-telemetry/${process.env['SHOP_DOMAIN'] ?? 'my-shop'}.json`,
  // The merchant's stored answer; nothing is sent while it is false.
  consent: process.env['MERCHANT_TELEMETRY_CONSENT'] === 'yes',
});
telemetry.start();

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function page(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><meta charset="utf-8"><body>${body}</body>`);
}

/** The payment step. `isBlocked()` reads memory only: no request during the shopper's. */
function checkout(res: ServerResponse): void {
  if (telemetry.isBlocked()) {
    page(res, 503, '<h1>Card payments are paused</h1><p>Please choose another payment method.</p>');
    return;
  }
  page(res, 200, '<h1>Pay by card</h1><form method="post" action="/checkout/pay"><button>Pay</button></form>');
}

function pay(res: ServerResponse): void {
  telemetry.recordRequest();
  const approved = Math.random() > 0.1; // your payment provider's answer
  if (!approved) {
    telemetry.recordError('card_declined'); // queued, sent in the next batch
    page(res, 402, '<p>Declined.</p>');
    return;
  }
  page(res, 200, '<p>Thank you.</p>');
}

function admin(res: ServerResponse): void {
  const notices = telemetry
    .notices()
    .map(
      (n: Notice) =>
        `<li>${n.critical ? '<b>Critical</b> ' : ''}Version ${escape(n.to_version)} is available. ${escape(n.message ?? '')}
         <form method="post" action="/admin/notices/ack?id=${encodeURIComponent(n.notice_id)}"><button>Dismiss</button></form></li>`,
    )
    .join('');
  const forced = telemetry.toggle('force_update') === true ? '<p><b>An update is required.</b></p>' : '';
  const debug = telemetry.debugEnabled() ? '<p>Support has turned on debug logging for this shop.</p>' : '';
  page(
    res,
    200,
    `<h1>Settings</h1>${forced}${debug}<ul>${notices}</ul>
     <form method="post" action="/admin/consent"><button>Share anonymous plugin health data</button></form>`,
  );
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const key = `${req.method} ${url.pathname}`;
  if (key === 'GET /checkout') return checkout(res);
  if (key === 'POST /checkout/pay') return pay(res);
  if (key === 'GET /admin') return admin(res);
  if (key === 'POST /admin/consent') {
    telemetry.setConsent(true); // and store the merchant's answer in your settings
    return page(res, 200, '<p>Thank you.</p>');
  }
  if (key === 'POST /admin/notices/ack') {
    await telemetry.acknowledgeNotice(url.searchParams.get('id') ?? '');
    return page(res, 200, '<p>Dismissed.</p>');
  }
  if (key === 'POST /webhooks/app/uninstalled') {
    await telemetry.uninstalled(); // stays queued (and retried) if ingest is unreachable
    res.writeHead(200).end();
    return;
  }
  page(res, 404, 'Not found');
}

const server = createServer((req, res) => {
  route(req, res).catch(() => {
    if (!res.headersSent) page(res, 500, 'Error');
  });
});
server.listen(Number(process.env['PORT'] ?? 3000), '127.0.0.1');

process.once('SIGTERM', () => {
  server.close();
  void telemetry.stop();
});
