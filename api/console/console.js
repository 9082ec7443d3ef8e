// Ops console: plain script, no build step. Talks to the Ops API with the agent's
// token (kept in sessionStorage: gone when the tab closes). Text is inserted with
// textContent only, never as HTML, so data from plugins cannot inject markup.
"use strict";

const state = { token: sessionStorage.getItem("opsToken"), agent: null, cursor: null, filters: {} };
const $ = (id) => document.getElementById(id);

function say(message, isError) {
  const s = $("status");
  s.textContent = message;
  s.classList.toggle("error", Boolean(isError));
}

async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${state.token}` };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method: options.method || "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const err = new Error(data && data.detail ? data.detail : `HTTP ${response.status}`);
    err.status = response.status;
    throw err;
  }
  return data;
}

function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

const canOperate = () => state.agent && (state.agent.role === "operator" || state.agent.role === "admin");

async function signIn(token) {
  state.token = token;
  try {
    state.agent = await api("/api/v1/auth/me");
  } catch (e) {
    state.token = null;
    sessionStorage.removeItem("opsToken");
    say(e.status === 401 ? "That token is not valid." : `Sign-in failed: ${e.message}`, true);
    return;
  }
  sessionStorage.setItem("opsToken", token);
  $("login").hidden = true;
  $("app").hidden = false;
  $("who").hidden = false;
  $("who-name").textContent = state.agent.name;
  $("who-role").textContent = state.agent.role;
  say(`Signed in as ${state.agent.name}.`);
  await Promise.all([loadStats(), loadList(true)]);
}

function signOut() {
  sessionStorage.removeItem("opsToken");
  state.token = null;
  state.agent = null;
  $("app").hidden = true;
  $("who").hidden = true;
  $("login").hidden = false;
  say("Signed out.");
}

async function loadStats() {
  const s = await api("/api/v1/plugins/stats/overview");
  $("stat-active").textContent = s.by_status.active ?? 0;
  $("stat-outdated").textContent = s.outdated;
  $("stat-high-error").textContent = s.high_error_rate;
  $("stat-error-avg").textContent = `${s.error_rate_avg.toFixed(2)} %`;
  $("stats-as-of").textContent = `${s.installations} installations, as of ${new Date(s.as_of).toLocaleTimeString()}`;
  const cms = $("f-cms");
  const chosen = cms.value;
  cms.replaceChildren(el("option", "Any", { value: "" }));
  for (const c of s.by_cms) cms.append(el("option", c.cms, { value: c.cms }));
  cms.value = chosen;
  const versions = $("versions");
  versions.replaceChildren();
  for (const v of s.version_adoption.slice(0, 50)) versions.append(el("option", null, { value: v.plugin_version }));
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  return q.toString();
}

async function loadList(reset) {
  if (reset) state.cursor = null;
  const page = await api(`/api/v1/plugins/list?${query({ ...state.filters, cursor: state.cursor, limit: 50 })}`);
  const body = $("installations").querySelector("tbody");
  if (reset) body.replaceChildren();
  for (const i of page.items) body.append(row(i));
  state.cursor = page.next_cursor;
  $("next-page").hidden = !page.next_cursor;
  $("table-caption").textContent = `Installations matching the filters (${body.rows.length} shown)`;
}

function row(i) {
  const tr = el("tr");
  tr.dataset.id = i.id;
  tr.append(el("td", i.site_host || i.id), el("td", i.cms), el("td", i.plugin_version));
  const status = el("td");
  status.append(el("span", i.status, { class: `badge ${i.status}` }));
  tr.append(status, el("td", `${i.error_rate.toFixed(2)} %`), el("td", new Date(i.last_heartbeat_at).toLocaleString()));
  const actions = el("td", null, { class: "actions" });
  const label = i.site_host || i.id;
  const details = el("button", "Details", { type: "button", "aria-label": `Details of ${label}` });
  details.addEventListener("click", () => showDetails(i.id));
  actions.append(details);
  if (canOperate()) {
    const notify = el("button", "Notify upgrade", { type: "button", "aria-label": `Send upgrade notice to ${label}` });
    notify.addEventListener("click", () => notifyUpgrade(i, label));
    const block = el("button", "Block", { type: "button", "aria-label": `Block plugin on ${label}` });
    block.addEventListener("click", () => openBlock(i, label));
    actions.append(notify, block);
  }
  tr.append(actions);
  return tr;
}

async function notifyUpgrade(i, label) {
  try {
    const r = await api(`/api/v1/plugins/${i.id}/notify-upgrade`, { method: "POST", body: {} });
    say(r.deduplicated
      ? `An upgrade notice to ${r.upgrade.latest_version} was already sent to ${label} recently.`
      : `Upgrade notice to ${r.upgrade.latest_version} queued for ${label} (${r.channels.join(", ")}).`);
  } catch (e) {
    say(`Notice not sent: ${e.message}`, true);
  }
}

let blocking = null;

function openBlock(i, label) {
  blocking = i;
  $("block-target").textContent = `${label}: ${i.cms} ${i.plugin_version}`;
  $("block-radius").textContent = "";
  $("block-reason").value = "";
  $("block-dialog").showModal();
  $("block-reason").focus();
}

function blockBody(dryRun) {
  return {
    key: "block_plugin",
    value: true,
    reason: $("block-reason").value,
    expires_in_hours: Number($("block-hours").value),
    dry_run: dryRun,
  };
}

async function previewBlock() {
  try {
    const r = await api(`/api/v1/plugins/${blocking.id}/toggle`, { method: "POST", body: blockBody(true) });
    $("block-radius").textContent =
      `Blast radius: ${r.blast_radius.installations} installation(s) of ${r.blast_radius.merchants} merchant(s).`;
  } catch (e) {
    $("block-radius").textContent = `Cannot preview: ${e.message}`;
  }
}

async function confirmBlock(event) {
  event.preventDefault();
  if (!$("block-form").reportValidity()) return;
  try {
    const r = await api(`/api/v1/plugins/${blocking.id}/toggle`, { method: "POST", body: blockBody(false) });
    $("block-dialog").close();
    say(`Blocked (toggle ${r.toggle_id}); the plugin receives block_plugin on its next heartbeat.`);
    await loadList(true);
  } catch (e) {
    $("block-radius").textContent = `Not blocked: ${e.message}`;
  }
}

function chart(daily) {
  const ns = "http://www.w3.org/2000/svg";
  const w = 600, h = 120, bw = w / Math.max(daily.length, 1);
  const max = Math.max(5, ...daily.map((d) => d.error_rate));
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h + 14}`);
  svg.setAttribute("width", "100%");
  daily.forEach((d, k) => {
    const bh = Math.max(1, (d.error_rate / max) * h);
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("x", k * bw + 1);
    r.setAttribute("y", h - bh);
    r.setAttribute("width", Math.max(1, bw - 2));
    r.setAttribute("height", bh);
    r.setAttribute("class", d.error_rate > 5 ? "bar high" : "bar");
    const t = document.createElementNS(ns, "title");
    t.textContent = `${d.day}: ${d.error_rate.toFixed(2)} % errors, ${d.heartbeats} heartbeats`;
    r.append(t);
    svg.append(r);
  });
  return svg;
}

async function showDetails(id) {
  const dialog = $("detail-dialog");
  const body = $("detail-body");
  body.replaceChildren(el("p", "Loading…"));
  $("health-chart").replaceChildren();
  dialog.showModal();
  try {
    const [d, health] = await Promise.all([
      api(`/api/v1/plugins/${id}`),
      api(`/api/v1/plugins/stats/health/${id}?days=30`).catch(() => null),
    ]);
    const i = d.installation;
    $("detail-title").textContent = i.site_host || i.id;
    const dl = el("dl");
    const add = (k, v) => dl.append(el("dt", k), el("dd", v));
    add("Installation", i.id);
    add("Merchant", i.merchant_id);
    add("Plugin", `${i.cms} ${i.plugin_version} (${i.status})`);
    add("Error rate", `${i.error_rate.toFixed(2)} %`);
    add("Upgrade", d.upgrade ? `${d.upgrade.latest_version} (${d.upgrade.upgrade_type}, ${d.upgrade.priority})` : "up to date");
    const toggles = Object.entries(d.toggles).map(([k, t]) => `${k}=${JSON.stringify(t.value)} (${t.scope})`);
    add("Toggles in effect", toggles.length ? toggles.join("; ") : "none");
    add("Notices", d.notifications.length ? d.notifications.map((n) => `${n.to_version} ${n.acked_at ? "acknowledged" : "pending"}`).join("; ") : "none");
    body.replaceChildren(dl);
    for (const w of d.warnings) body.append(el("p", w, { class: "hint" }));
    if (health) $("health-chart").append(chart(health.daily));
    else $("health-chart").append(el("p", "Daily health is unavailable right now.", { class: "hint" }));
  } catch (e) {
    body.replaceChildren(el("p", `Cannot load: ${e.message}`));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    signIn($("token").value.trim());
    $("token").value = "";
  });
  $("sign-out").addEventListener("click", signOut);
  $("filters").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    state.filters = { status: f.get("status"), cms: f.get("cms"), version: f.get("version").trim(), q: f.get("q").trim() };
    try {
      await loadList(true);
      say(`Filtered: ${$("installations").querySelector("tbody").rows.length} shown.`);
    } catch (err) {
      say(`Cannot filter: ${err.message}`, true);
    }
  });
  $("next-page").addEventListener("click", () => loadList(false).catch((e) => say(e.message, true)));
  $("block-preview").addEventListener("click", previewBlock);
  $("block-form").addEventListener("submit", confirmBlock);
  $("block-cancel").addEventListener("click", () => $("block-dialog").close());
  $("detail-close").addEventListener("click", () => $("detail-dialog").close());
  if (state.token) signIn(state.token);
});
