// Uplinks (admin): each destination beyond the hub with its state, backlog and counters,
// and the duty notification channels (notify:) with theirs.
import { api } from "../lib/api.js";
import { html, ago, fmtTime } from "../lib/html.js";
import { t } from "../lib/i18n.js";

const HEALTHY = new Set(["running", "connected", "registered"]);

// What an uplink type adds to its status (a police video platform: its sessions).
function details(u) {
  if (u.type !== "gb28181") return "";
  const casts = (u.broadcasts || []).map((b) => `${b.speaker} ${b.seconds} s`).join(", ");
  const subs = (u.subscriptions || []).map((s) => `${s.kind} (${s.expires_in} s)`).join(", ");
  return html`<span class="kv live">${t("live_views")} ${u.live_views ?? 0} (${t("camera_pulls")} ${u.camera_pulls ?? 0})</span>
    · <span class="kv casts">${t("broadcasts_now")} ${(u.broadcasts || []).length}${casts ? `: ${casts}` : ""}</span>
    · <span class="kv subs">${t("subscriptions")} ${subs || "–"}</span>`;
}

const NOTIFY_OK = new Set(["ok", "idle"]);

// The duty notification channels (issue 15): state, counters, last error; never a key.
function notifyCard(channels) {
  return html`<section class="card notify"><h2>${t("notify_channels")}</h2>
    <table class="notify"><thead><tr><th>${t("item_name")}</th><th>${t("platform")}</th><th>${t("state")}</th>
      <th>${t("queued")}</th><th>${t("sent")}</th><th>${t("digests")}</th><th>${t("failed")}</th><th>${t("last_sent")}</th><th>${t("last_error")}</th></tr></thead>
    <tbody>${channels.map((c) => html`<tr class="${NOTIFY_OK.has(c.state) ? "" : "down"}" data-name="${c.name}">
      <td>notify.${c.name}</td><td>${c.platform}${c.rate_limit ? html`<span class="limit"> · ${Math.round(c.rate_limit.messages * 60 / c.rate_limit.per)} ${t("per_min")}</span>` : ""}</td>
      <td><span class="dot ${NOTIFY_OK.has(c.state) ? "ok" : "bad"}"></span><span class="state-text">${t(`notify_${c.state}`)}</span></td>
      <td class="num">${c.queued}</td><td class="num">${c.sent}</td><td class="num digests">${c.digests}</td><td class="num">${c.failed}</td>
      <td class="ago">${c.last_sent_at ? ago(c.last_sent_at) : t("never")}</td>
      <td class="error">${c.last_error || "–"}</td></tr>`)}</tbody></table>
    ${channels.length === 0 ? html`<p class="empty">${t("no_notify")}</p>` : ""}</section>`;
}

class UplinksPage extends HTMLElement {
  connectedCallback() {
    this.load();
    this.timer = setInterval(() => this.load(), 5000);
  }

  disconnectedCallback() { clearInterval(this.timer); }

  async load() {
    const uplinks = await api("GET", "/api/uplinks");
    let channels = [];
    try { channels = await api("GET", "/api/notify"); } catch { channels = []; }
    if (!this.isConnected) return;
    this.innerHTML = html`<section class="card"><h2>${t("uplinks")}</h2>
      <table class="uplinks"><thead><tr><th>${t("item_name")}</th><th>${t("uplink_type")}</th>
        <th>${t("state")}</th><th>${t("backlog")}</th><th>${t("delivered")}</th><th>${t("dropped")}</th>
        <th>${t("dead_letters")}</th><th>${t("last_delivery")}</th><th>${t("last_error")}</th>
        <th>${t("uplink_details")}</th></tr></thead>
      <tbody>${uplinks.map((u) => html`<tr class="${HEALTHY.has(u.state) ? "" : "down"}" data-name="${u.name}">
        <td>${u.name}</td><td>${u.type}</td>
        <td><span class="dot ${HEALTHY.has(u.state) ? "ok" : "bad"}"></span><span class="state-text">${u.state}</span></td>
        <td class="num">${u.backlog}</td><td class="num">${u.delivered}</td><td class="num">${u.dropped}</td>
        <td class="num">${u.dead}</td>
        <td title="${u.last_delivery_at ? fmtTime(u.last_delivery_at) : ""}" class="ago">${u.last_delivery_at ? ago(u.last_delivery_at) : t("never")}</td>
        <td class="error">${u.last_error || "–"}</td><td class="details">${details(u)}</td></tr>`)}</tbody></table>
      ${uplinks.length === 0 ? html`<p class="empty">${t("no_uplinks")}</p>` : ""}</section>
      ${notifyCard(channels)}`.toString();
  }
}

customElements.define("page-uplinks", UplinksPage);
