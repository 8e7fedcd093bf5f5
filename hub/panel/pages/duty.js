// Duty: the guard on duty starts and ends the shift; the handover (open incidents, lockers in
// use, visitors, notes) waits for the next guard's sign-off.
import { api, callService } from "../lib/api.js";
import { html, fmtTime } from "../lib/html.js";
import { t, category } from "../lib/i18n.js";

class DutyPage extends HTMLElement {
  connectedCallback() {
    this.error = "";
    this.addEventListener("click", (e) => this.onClick(e));
    this.addEventListener("submit", (e) => this.onSubmit(e));
    this.load();
  }

  async load() {
    const duty = await api("GET", "/api/duty");
    if (!this.isConnected) return;
    const cur = duty.current;
    const me = this.user?.name;
    this.innerHTML = html`<section class="card duty"><h2>${t("duty")}</h2>
      <p class="error" role="alert">${this.error}</p>
      ${!cur || cur.status === "signed_off" ? html`<p class="duty-state">${t("duty_nobody")}</p>
        <button type="button" class="primary" data-duty="start">${t("duty_start")}</button>` : ""}
      ${cur && cur.status === "on_duty" ? html`<p class="duty-state">${t("duty_on")}: <strong>${cur.guard}</strong> · ${fmtTime(cur.started_at)}</p>
        ${cur.guard === me || this.user?.role === "admin" ? html`<form data-form="end">
          ${this.handover(duty.now)}
          <label>${t("duty_notes")}<textarea name="notes" maxlength="2000" rows="3"></textarea></label>
          <button type="submit" class="primary">${t("duty_end")}</button></form>` : ""}` : ""}
      ${cur && cur.status === "handover" ? html`<p class="duty-state">${t("duty_waiting")}: <strong>${cur.guard}</strong> · ${fmtTime(cur.ended_at)}</p>
        ${this.handover(cur.handover)}
        <p class="notes">${t("duty_notes")}: ${cur.notes || "–"}</p>
        ${cur.guard !== me ? html`<button type="button" class="primary" data-duty="sign_off" data-id="${cur.id}">${t("duty_sign_off")}</button>` : ""}` : ""}
      </section>
      <section class="card"><h2>${t("duty_history")}</h2><table class="shifts"><tbody>
        ${duty.history.map((s) => html`<tr><td>${s.guard}</td><td>${fmtTime(s.started_at)}${s.ended_at ? html` → ${fmtTime(s.ended_at)}` : ""}</td>
          <td>${s.signed_off_by ? `${t("duty_signed_by")} ${s.signed_off_by}` : t(`duty_status_${s.status}`)}</td><td>${s.notes}</td></tr>`)}
      </tbody></table></section>`.toString();
  }

  handover(h) {
    if (!h) return "";
    return html`<div class="handover"><h3>${t("duty_handover")}</h3>
      <p>${t("duty_open_incidents")}: ${h.incidents.length}</p>
      <ul class="handover-incidents">${h.incidents.map((i) => html`<li>${category(i.category)} · ${i.message} · ${fmtTime(i.created_at)}</li>`)}</ul>
      <p>${t("duty_lockers")}: ${h.lockers.map((l) => l.label).join(", ") || "–"}</p>
      <p>${t("duty_visitors_in")}: ${h.visitors_in}${h.meeting_rooms.length ? ` · ${t("meeting_rooms")}: ${h.meeting_rooms.map((r) => r.name).join(", ")}` : ""}</p></div>`;
  }

  async act(service, data) {
    try {
      await callService("duty", service, data);
      this.error = "";
    } catch (err) {
      this.error = err.message;
    }
    await this.load();
  }

  onClick(e) {
    const btn = e.target.closest("[data-duty]");
    if (!btn) return;
    btn.disabled = true;
    this.act(btn.dataset.duty, btn.dataset.id ? { shift_id: btn.dataset.id } : {});
  }

  onSubmit(e) {
    if (e.target.dataset.form !== "end") return;
    e.preventDefault();
    this.act("end", { notes: new FormData(e.target).get("notes") || "" });
  }
}

customElements.define("page-duty", DutyPage);
