// The visitor check as a guided form, then the searchable visitor log with check-out.
import { api, callService } from "../lib/api.js";
import { html, fmtTime, formData } from "../lib/html.js";
import { t } from "../lib/i18n.js";
import { live } from "../lib/live.js";

class VisitorsPage extends HTMLElement {
  connectedCallback() {
    this.photo = null;
    this.metal = null;
    this.message = "";
    this.error = "";
    this.addEventListener("click", (e) => this.onClick(e));
    this.addEventListener("submit", (e) => this.onSubmit(e));
    this.addEventListener("change", (e) => { if (e.target.name === "gate") this.pollMetal(); });
    this.draw();
    this.timer = setInterval(() => this.pollMetal(), 1000);
  }

  disconnectedCallback() { clearInterval(this.timer); }

  gates() {
    const names = new Set(live.domain("gate").map((g) => g.attributes.gate).filter(Boolean));
    return [...names].sort();
  }

  async draw() {
    const lockers = await api("GET", "/api/visitors/lockers");
    const rooms = await api("GET", "/api/visitors/meeting_rooms");
    const gates = this.gates();
    // Visitors go through the visitor turnstile when there is one.
    const barriers = live.domain("gate").sort((a, b) => Number(b.entity_id.includes("visitor")) - Number(a.entity_id.includes("visitor")));
    this.innerHTML = html`
      <form class="card visitor-form" data-form="checkin">
        <h2>${t("visitor_check")}</h2>
        <fieldset><legend>${t("step_identity")}</legend>
          <label>${t("person_name")}<input name="name" required maxlength="128"></label>
          <label>${t("id_number")}<input name="id_number" maxlength="64"></label>
          <label>${t("phone")}<input name="phone" maxlength="32"></label></fieldset>
        <fieldset><legend>${t("step_visit")}</legend>
          <label>${t("reason")}<input name="reason" required maxlength="500"></label>
          <label>${t("host")}<input name="host" required maxlength="128"></label>
          ${rooms.length ? html`<label>${t("destination")}<select name="destination"><option value="school">${t("into_school")}</option>
            ${rooms.map((r) => html`<option value="room:${r.id}">${r.name}</option>`)}</select></label>` : ""}
          <label>${t("gate")}<select name="gate">${gates.map((g) => html`<option>${g}</option>`)}<option value="">–</option></select></label>
          <label>${t("opens")}<select name="gate_entity">${barriers.map((b) => html`<option value="${b.entity_id}">${b.attributes.friendly_name || b.entity_id}</option>`)}</select></label></fieldset>
        <fieldset><legend>${t("step_metal")}</legend>
          <p class="metal" data-metal>${t("metal_none")}</p>
          <label>${t("metal_manual")}<select name="metal_result"><option value="">${t("metal_auto")}</option>
            <option value="clear">${t("metal_clear")}</option><option value="metal">${t("metal_metal")}</option></select></label></fieldset>
        <fieldset><legend>${t("step_locker")}</legend>
          <label>${t("locker")}<select name="locker"><option value="">${t("none")}</option>
            ${lockers.filter((l) => !l.visitor && !l.holder && !l.occupied && (l.state ?? "free") === "free").map((l) => html`<option>${l.locker}</option>`)}</select></label>
          <label>${t("items")}<input name="items" maxlength="500"></label></fieldset>
        <fieldset><legend>${t("step_photo")}</legend>
          <button type="button" data-action="photo">${t("take_photo")}</button>
          ${this.photo ? html`<img class="photo" src="/api/snapshots/${this.photo}" alt="${t("step_photo")}">` : ""}</fieldset>
        <p class="error" role="alert">${this.error}</p>
        <p class="ok" role="status">${this.message}</p>
        <button type="submit" class="primary big">${t("check_in")}</button>
      </form>
      ${rooms.length ? html`<section class="card meeting-rooms"><h2>${t("meeting_rooms")}</h2>
        ${rooms.map((r) => html`<article class="room ${r.state}" data-room="${r.id}"><h3>${r.name}
          <span class="state-text">${t(r.state === "occupied" ? "room_occupied" : "room_free")}</span></h3>
          ${r.visits.map((v) => html`<p class="room-visit">${v.name} → ${v.host} · ${fmtTime(v.checked_in_at)}
            <button data-action="checkout" data-id="${v.id}">${t("check_out")}</button></p>`)}</article>`)}</section>` : ""}
      <section class="card"><h2>${t("visitor_log")}</h2>
        <form class="search" data-form="search"><input name="q" placeholder="${t("search")}" value="${this.query || ""}">
          <select name="status"><option value="all">${t("all")}</option><option value="in">${t("in_school")}</option><option value="out">${t("left")}</option></select>
          <button type="submit">${t("search")}</button></form>
        <table class="visitors"><thead><tr><th>${t("person_name")}</th><th>${t("host")}</th><th>${t("reason")}</th>
          <th>${t("metal_col")}</th><th>${t("locker")}</th><th>${t("checked_in")}</th><th></th></tr></thead>
          <tbody data-log></tbody></table></section>`.toString();
    this.pollMetal();
    this.loadLog();
  }

  async pollMetal() {
    const el = this.querySelector("[data-metal]");
    if (!el) return;
    const gate = this.querySelector("select[name=gate]")?.value || "";
    try {
      const out = await api("GET", `/api/visitors/metal?gate=${encodeURIComponent(gate)}`);
      const last = out.last_pass;
      this.metal = last;
      el.className = `metal ${last ? `m-${last.result}` : ""}`;
      el.textContent = last ? `${t("metal_last")}: ${last.result === "metal" ? t("metal_metal") : t("metal_clear")} (${fmtTime(last.at)})` : t("metal_none");
    } catch { /* the next poll tries again */ }
  }

  async loadLog(q = "", status = "all") {
    const page = await api("GET", `/api/visitors?limit=50&status=${status}&q=${encodeURIComponent(q)}`);
    const body = this.querySelector("[data-log]");
    if (!body) return;
    body.innerHTML = page.items.map((v) => html`<tr data-visitor="${v.id}">
      <td>${v.name}</td><td>${v.host}</td><td>${v.reason}</td>
      <td class="m-${v.metal_result}">${v.metal_result === "metal" ? t("metal_metal") : t("metal_clear")}</td>
      <td>${v.locker || "–"}</td><td>${fmtTime(v.checked_in_at)}${v.checked_out_at ? html`<br>→ ${fmtTime(v.checked_out_at)}` : ""}</td>
      <td>${v.status === "in" ? html`<button data-action="checkout" data-id="${v.id}">${t("check_out")}</button>` : t("left")}</td></tr>`).join("");
  }

  async onClick(e) {
    const btn = e.target.closest("[data-action]");
    if (!btn) return;
    try {
      if (btn.dataset.action === "photo") {
        const gate = this.querySelector("select[name=gate]")?.value || "";
        const out = await callService("visitor", "take_photo", { gate });
        this.photo = out.snapshot_id;
        const set = btn.closest("fieldset");
        set.querySelector("img")?.remove();
        set.insertAdjacentHTML("beforeend", html`<img class="photo" src="/api/snapshots/${this.photo}" alt="${t("step_photo")}">`.toString());
      } else if (btn.dataset.action === "checkout") {
        const out = await callService("visitor", "check_out", { visitor_id: btn.dataset.id });
        if (btn.closest(".meeting-rooms")) await this.draw(); else await this.loadLog();
        this.setError(out.locker_error || "");  // left, but the locker did not open
        return;
      }
      this.setError("");
    } catch (err) {
      this.setError(err.message);
    }
  }

  async onSubmit(e) {
    e.preventDefault();
    const data = formData(e.target);
    if (e.target.dataset.form === "search") {
      this.query = data.q;
      await this.loadLog(data.q, data.status);
      return;
    }
    const body = { name: data.name, id_number: data.id_number, phone: data.phone, reason: data.reason,
                   host: data.host, gate: data.gate, items: data.items, open_gate: true };
    if (data.gate_entity) body.gate_entity = data.gate_entity;
    if (data.metal_result) body.metal_result = data.metal_result;
    if (data.locker) body.locker = data.locker;
    if (data.destination?.startsWith("room:")) {
      body.destination = "meeting_room";
      body.meeting_room = data.destination.slice(5);
    }
    if (this.photo) body.photo = this.photo;
    try {
      const visit = await callService("visitor", "check_in", body);
      this.photo = null;
      this.error = "";
      this.message = `${t("checked_in")}: ${visit.name}${visit.locker ? ` · ${t("locker")} ${visit.locker}` : ""}${visit.gate_opened ? ` · ${visit.gate_opened}` : ""}${visit.room ? ` · ${t("meeting_room")}` : ""}${visit.notify_error ? ` · ${visit.notify_error}` : ""}`;
      await this.draw();
    } catch (err) {
      this.setError([err.message].join(" "));
    }
  }

  setError(text) {
    this.error = text;
    const p = this.querySelector(".visitor-form .error");
    if (p) p.textContent = text;
  }
}

customElements.define("page-visitors", VisitorsPage);
