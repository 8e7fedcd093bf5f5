// Self-check: each gate's five duties and the visitor check, as the last check found them;
// guards and admins can check again now.
import { api, callService } from "../lib/api.js";
import { html, fmtTime } from "../lib/html.js";
import { t } from "../lib/i18n.js";

const STAFF = ["admin", "guard"];
const LEVEL = { ok: "ok", warn: "warn", down: "bad", none: "none" };

class SelfCheckPage extends HTMLElement {
  connectedCallback() {
    this.error = "";
    this.addEventListener("click", (e) => this.onClick(e));
    this.load();
    this.timer = setInterval(() => this.load(), 15000);
  }

  disconnectedCallback() { clearInterval(this.timer); }

  async load() {
    let report = null;
    try {
      report = await api("GET", "/api/self_check");
    } catch (err) {
      this.innerHTML = html`<section class="card"><h2>${t("selfcheck")}</h2>
        <p class="empty">${err.status === 404 ? t("selfcheck_off") : err.message}</p></section>`.toString();
      return;
    }
    if (!this.isConnected) return;
    this.draw(report);
  }

  draw(report) {
    const gates = Object.entries(report.gates || {});
    this.innerHTML = html`<section class="card selfcheck"><h2>${t("selfcheck")}</h2>
      <p>${report.at ? html`${t("selfcheck_last")}: ${fmtTime(report.at)}` : t("selfcheck_never")}
        ${STAFF.includes(this.user?.role) ? html` <button type="button" data-run>${t("selfcheck_run")}</button>` : ""}</p>
      <p class="error" role="alert">${this.error}</p>
      ${gates.map(([gate, duties]) => html`<h3>${t("gate")} ${gate}</h3>
        <table class="duties"><tbody>${duties.map((d) => html`<tr class="duty ${d.status}" data-duty="${d.duty}">
          <td><span class="dot ${LEVEL[d.status]}"></span>${t(`duty_${d.duty}`)}</td>
          <td class="state-text">${t(`level_${d.status}`)}</td>
          <td>${d.items.filter((i) => i.level !== "ok").map((i) => html`<div class="${i.level}">${i.check}${i.entity_id ? ` (${i.entity_id})` : ""}: ${i.detail}</div>`)}</td></tr>`)}
        </tbody></table>`)}</section>`.toString();
  }

  async onClick(e) {
    const btn = e.target.closest("[data-run]");
    if (!btn) return;
    btn.disabled = true;
    try {
      this.error = "";
      this.draw(await callService("self_check", "run", {}));
    } catch (err) {
      this.error = err.message;
      await this.load();
    }
  }
}

customElements.define("page-selfcheck", SelfCheckPage);
