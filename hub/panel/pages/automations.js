// Automations with their last traces: why did it fire, or not.
import { api, callService } from "../lib/api.js";
import { html, fmtTime } from "../lib/html.js";
import { t, stateName } from "../lib/i18n.js";

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
      <table><thead><tr><th>${t("item_name")}</th><th>${t("enabled")}</th><th>${t("last_triggered")}</th><th>${t("result")}</th><th></th></tr></thead>
      <tbody>${items.map((a) => html`<tr><td>${a.alias || a.id}<br><small>${a.id} · ${(a.triggers || []).join(", ")}</small></td>
        <td>${a.enabled === false ? "✗" : "✓"}</td><td>${fmtTime(a.last_triggered)}</td>
        <td class="state-text">${a.last_run ? stateName(a.last_run.result || "") : "–"}</td>
        <td><button data-action="traces" data-id="${a.id}">${t("traces")}</button>
            <button data-action="trigger" data-id="${a.entity_id || a.id}">${t("trigger")}</button></td></tr>`)}</tbody></table>
      <div class="traces-box"></div><pre class="traces" hidden></pre></section>`.toString();
  }

  async onClick(e) {
    const btn = e.target.closest("[data-action]");
    if (!btn) return;
    const out = this.querySelector(".traces");
    try {
      if (btn.dataset.action === "traces") {
        const traces = await api("GET", `/api/automations/${encodeURIComponent(btn.dataset.id)}/traces`);
        this.querySelector(".traces-box").innerHTML = traceList(traces.slice(0, 5)).toString();
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

// Why did it fire, or not: the trigger, each condition's result, the steps run.
function traceList(traces) {
  return html`<ol class="timeline">${traces.map((tr) => html`<li><time>${fmtTime(tr.started)}</time>
    <strong>${stateName(tr.result || "running")}</strong> ${tr.trigger?.description || ""}
    ${tr.conditions.map((c) => html`<span class="data">${c.path}: ${c.result ? "✓" : "✗"}${c.error ? ` (${c.error})` : ""}</span>`)}
    ${tr.error ? html`<span class="data">${tr.error}</span>` : ""}
    <span class="data">${tr.steps.length} ${t("steps")}</span></li>`)}</ol>`;
}

customElements.define("page-automations", AutomationsPage);
