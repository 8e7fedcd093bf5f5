// Gates: open, close, hold open each barrier; the state follows live.
import { callService } from "../lib/api.js";
import { html, ago, throttleFrame } from "../lib/html.js";
import { t, stateName } from "../lib/i18n.js";
import { live } from "../lib/live.js";

class GatesPage extends HTMLElement {
  connectedCallback() {
    this.error = "";
    this.render = throttleFrame(() => this.draw());
    this.listener = (e) => { if (!e.detail || e.detail.entity_id?.startsWith("gate.")) this.render(); };
    live.addEventListener("state", this.listener);
    live.addEventListener("states", this.listener);
    this.addEventListener("click", (e) => this.onClick(e));
    this.draw();
  }

  disconnectedCallback() {
    live.removeEventListener("state", this.listener);
    live.removeEventListener("states", this.listener);
  }

  draw() {
    const gates = live.domain("gate");
    this.innerHTML = html`<section class="card"><h2>${t("gates")}</h2>
      <p class="error" role="alert">${this.error}</p>
      <div class="gates">${gates.map((g) => html`
        <article class="gate" data-gate="${g.entity_id}">
          <h3>${g.attributes.friendly_name || g.entity_id}</h3>
          <p class="gate-state st-${g.state}" data-state="${g.state}">${stateName(g.state)}</p>
          <p class="muted">${g.attributes.gate ? `${t("gate")}: ${g.attributes.gate} · ` : ""}<span class="ago">${ago(g.last_changed)}</span></p>
          <div class="actions">
            <button class="primary" data-action="open" data-id="${g.entity_id}">${t("open")}</button>
            <button data-action="close" data-id="${g.entity_id}">${t("close")}</button>
            <button data-action="hold_open" data-id="${g.entity_id}">${t("hold_open")}</button>
          </div>
        </article>`)}</div></section>`.toString();
  }

  async onClick(e) {
    const btn = e.target.closest("[data-action]");
    if (!btn) return;
    try {
      await callService("gate", btn.dataset.action, { entity_id: btn.dataset.id });
      this.error = "";
    } catch (err) {
      this.error = err.message;
    }
    this.render();
  }
}

customElements.define("page-gates", GatesPage);
