// Drives the Ops console in headless Chromium as Ops do, for e2e/tests/console_browser.rs.
// Modes (argv[2]):
//   operator: sign in, filter to the outdated version, block the target installation
//             (preview the blast radius first), screenshot.
//   viewer:   sign in, filter the same way, check that no action is offered, screenshot.
// Prints one JSON line with what it saw; exits non-zero with the reason on failure.
import { chromium } from "playwright-core";

const mode = process.argv[2];
const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const url = env("CONSOLE_URL");
const token = env(mode === "operator" ? "OPERATOR_TOKEN" : "VIEWER_TOKEN");
const version = env("OUTDATED_VERSION");
const host = env("TARGET_HOST");
const artifacts = env("ARTIFACT_DIR");

// Flags from this machine's notes: no sandbox as root, and no background networking
// (the closed network refuses Chromium's own connections).
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${url}/ops/plugins`);

  // Keyboard-usable: the sign-in form is reached and submitted with the keyboard.
  await page.getByLabel("Ops agent token").fill(token);
  await page.keyboard.press("Enter");
  await page.locator("#app").waitFor({ state: "visible" });
  await page.locator("#stat-active").filter({ hasNotText: "–" }).waitFor();

  await page.getByLabel("Status").selectOption("outdated");
  await page.getByLabel("Version").fill(version);
  await page.getByRole("button", { name: "Apply filters" }).click();
  const row = page.locator("#installations tbody tr", { hasText: host });
  await row.waitFor({ timeout: 15000 });
  const rows = await page.locator("#installations tbody tr").count();
  const statuses = await page.locator("#installations tbody td:nth-child(4)").allTextContents();

  const result = { mode, rows, statuses, errors };
  if (mode === "operator") {
    await page.getByRole("button", { name: `Block plugin on ${host}` }).click();
    const dialog = page.getByRole("dialog", { name: "Block plugin" });
    await dialog.getByLabel("Reason").fill("Browser test: checkout errors on this version");
    await dialog.getByLabel("Expires in (hours)").fill("2");
    await dialog.getByRole("button", { name: "Preview blast radius" }).click();
    await dialog.getByText(/Blast radius: 1 installation\(s\) of 1 merchant\(s\)/).waitFor();
    result.preview = await page.locator("#block-radius").textContent();
    await dialog.getByRole("button", { name: "Block", exact: true }).click();
    await page.locator("#status", { hasText: "Blocked" }).waitFor();
    result.status = await page.locator("#status").textContent();
    await page.screenshot({ path: `${artifacts}/console-operator.png`, fullPage: true });
  } else {
    result.actions = await row.getByRole("button").allTextContents();
    await page.screenshot({ path: `${artifacts}/console-viewer.png`, fullPage: true });
  }
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
