// Devices: health of every device; discovered devices with the YAML to add them.
import { api } from "../lib/api.js";
import { html, ago, fmtTime } from "../lib/html.js";
import { t, stateName } from "../lib/i18n.js";

class DevicesPage extends HTMLElement {
  connectedCallback() {
    this.load();
    this.timer = setInterval(() => this.load(), 5000);
  }

  disconnectedCallback() { clearInterval(this.timer); }

  async load() {
    const devices = await api("GET", "/api/devices");
    let discovered = null;
    try { discovered = await api("GET", "/api/discovery"); } catch { discovered = null; }
    if (!this.isConnected) return;
    // The page refreshes every few seconds: keep the YAML the user opened open.
    const open = new Set([...this.querySelectorAll("details[open]")].map((d) => d.dataset.key));
    this.innerHTML = html`<section class="card"><h2>${t("devices")}</h2>
      <table class="devices"><thead><tr><th>${t("item_name")}</th><th>${t("platform")}</th><th>${t("gate")}</th>
        <th>${t("state")}</th><th>${t("last_seen")}</th><th>${t("battery")}</th><th>${t("tamper")}</th></tr></thead>
      <tbody>${devices.map((d) => html`<tr class="${d.available ? "" : "down"}">
        <td>${d.name}<br><small>${d.entity_id}</small></td><td>${d.platform}</td><td>${d.gate || "–"}</td>
        <td><span class="dot ${d.available ? "ok" : "bad"}"></span><span class="state-text">${d.available ? stateName(d.state) : t("unavailable")}</span>${d.available || !d.unavailable_reason ? "" : `: ${d.unavailable_reason}`}</td>
        <td title="${fmtTime(d.last_seen)}" class="ago">${ago(d.last_seen)}</td>
        <td>${d.battery ?? "–"}</td><td>${d.tamper === undefined || d.tamper === null ? "–" : d.tamper ? "⚠" : t("tamper_ok")}</td></tr>`)}</tbody></table></section>
      ${discovered ? html`<section class="card"><h2>${t("discovered")}</h2>
        ${discovered.map((d) => html`<article class="found"><h3>${d.name || d.host || d.key}</h3>
          <p class="muted">${d.manufacturer || ""} ${d.model || ""} ${d.host || ""}${d.port ? `:${d.port}` : ""} (${d.via}) ${d.platforms.length ? `→ ${d.platforms.join(", ")}` : ""}</p>
          ${d.yaml ? html`<details data-key="${d.key}" ${open.has(d.key) ? "open" : ""}><summary>${t("add_yaml")}</summary><pre class="yaml">${d.yaml}</pre></details>` : ""}</article>`)}
        ${discovered.length === 0 ? html`<p class="empty">${t("nothing_discovered")}</p>` : ""}</section>` : ""}`.toString();
  }
}

customElements.define("page-devices", DevicesPage);
