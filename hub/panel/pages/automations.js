// Automations with their last traces: why did it fire, or not.
import { api, callService } from "../lib/api.js";
import { html, fmtTime } from "../lib/html.js";
import { t } from "../lib/i18n.js";

class AutomationsPage extends HTMLElement {
  connectedCallback() {
    this.addEventListener("click", (e) => this.onClick(e));
    this.load();
  }

  async load() {
    let items;
    try {
      items = await api("GET", "/api/automations");
    } catch (err) {
      this.innerHTML = html`<p class="card empty">${err.status === 404 ? t("not_available") : err.message}</p>`.toString();
      return;
    }
    this.innerHTML = html`<section class="card"><h2>${t("automations")}</h2>
      <table><thead><tr><th>${t("name")}</th><th>${t("enabled")}</th><th>${t("last_triggered")}</th><th></th></tr></thead>
      <tbody>${items.map((a) => html`<tr><td>${a.alias || a.id}<br><small>${a.id}</small></td>
        <td>${a.enabled === false ? "✗" : "✓"}</td><td>${fmtTime(a.last_triggered)}</td>
        <td><button data-action="traces" data-id="${a.id}">${t("traces")}</button>
            <button data-action="trigger" data-id="${a.entity_id || a.id}">${t("trigger")}</button></td></tr>`)}</tbody></table>
      <pre class="traces" hidden></pre></section>`.toString();
  }

  async onClick(e) {
    const btn = e.target.closest("[data-action]");
    if (!btn) return;
    const out = this.querySelector(".traces");
    try {
      if (btn.dataset.action === "traces") {
        const traces = await api("GET", `/api/automations/${encodeURIComponent(btn.dataset.id)}/traces`);
        out.textContent = JSON.stringify(traces.slice(0, 5), null, 2);
      } else {
        await callService("automation", "trigger", { entity_id: btn.dataset.id });
        out.textContent = t("sent");
      }
    } catch (err) {
      out.textContent = err.message;
    }
    out.hidden = false;
  }
}

customElements.define("page-automations", AutomationsPage);
