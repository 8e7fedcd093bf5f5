// Incidents: open ones newest first with priority colours; the selected one's timeline and actions.
import { api, callService } from "../lib/api.js";
import { html, fmtTime, throttleFrame, formData } from "../lib/html.js";
import { t, category, stateName, incidentMessage, language } from "../lib/i18n.js";
import { live } from "../lib/live.js";

const RESPONDERS = ["admin", "guard", "police"];
const STEP_KEYS = { snapshot: "snapshot_step", note: "note_step" };
const STAFF = ["admin", "guard"];

class IncidentsPage extends HTMLElement {
  connectedCallback() {
    this.selected = this.args?.[0] || null;
    this.showAll = false;
    this.recent = [];
    this.error = "";
    this.render = throttleFrame(() => this.draw());
    this.onIncident = (e) => this.upsert(e.detail.incident);
    this.onIncidents = () => this.render();
    // The selected incident's button may latch or be reset: its reset control follows.
    this.onState = (e) => { if (e.detail?.entity_id && e.detail.entity_id === this.current()?.source) this.drawDetail(); };
    live.addEventListener("incident", this.onIncident);
    live.addEventListener("incidents", this.onIncidents);
    live.addEventListener("state", this.onState);
    this.addEventListener("click", (e) => this.onClick(e));
    this.addEventListener("submit", (e) => this.onSubmit(e));
    this.draw();
  }

  disconnectedCallback() {
    live.removeEventListener("incident", this.onIncident);
    live.removeEventListener("incidents", this.onIncidents);
    live.removeEventListener("state", this.onState);
  }

  items() {
    const open = [...live.incidents.values()].filter(isOpen);
    const list = this.showAll ? mergeById(open, this.recent, live.incidents) : open;
    return list.sort((a, b) => b.created_at - a.created_at);
  }

  current() {
    return this.selected && (live.incidents.get(this.selected) || this.recent.find((i) => i.id === this.selected));
  }

  draw() {
    const items = this.items();
    this.innerHTML = html`
      <div class="split">
        <section class="list card">
          <h2>${this.showAll ? t("all_incidents") : t("open_incidents")} <small class="count">(${items.length})</small>
            <button type="button" data-action="toggle">${this.showAll ? t("open_incidents") : t("all_incidents")}</button></h2>
          <p class="empty"${items.length ? html` hidden` : ""}>${t("no_incidents")}</p>
          <ol class="incidents">${items.map((i) => row(i, i.id === this.selected))}</ol>
        </section>
        <section class="detail card"></section>
      </div>`.toString();
    this.drawDetail();
  }

  // A new or changed incident: replace or insert its row only (fast with hundreds open).
  upsert(incident) {
    const list = this.querySelector("ol.incidents");
    if (!list) return;
    const old = list.querySelector(`li[data-incident-id="${incident.id}"]`);
    const keep = this.showAll || isOpen(incident);
    if (!keep) {
      old?.remove();
    } else {
      const tpl = document.createElement("template");
      tpl.innerHTML = row(incident, incident.id === this.selected).toString();
      const li = tpl.content.firstElementChild;
      if (old) {
        old.replaceWith(li);
      } else {
        let before = list.firstElementChild;
        while (before && Number(before.dataset.created) > incident.created_at) before = before.nextElementSibling;
        list.insertBefore(li, before);
      }
    }
    const count = list.children.length;
    this.querySelector(".count").textContent = `(${count})`;
    this.querySelector(".list .empty").hidden = count > 0;
    if (incident.id === this.selected) this.drawDetail();
  }

  drawDetail() {
    const box = this.querySelector("section.detail");
    const current = this.current();
    box.innerHTML = (current ? this.detail(current) : html`<p class="empty">${t("select_incident")}</p>`).toString();
  }

  detail(i) {
    const role = this.user.role;
    const open = isOpen(i);
    const latched = latchedSource(i);
    return html`
      <h2><span class="prio p${i.priority}">${t(`p${i.priority}`)}</span> ${category(i.category)}</h2>
      <p class="message">${incidentMessage(i)}</p>
      <dl class="facts">
        <dt>${t("status")}</dt><dd><span class="status s-${i.status}">${t(i.status)}</span>${i.classification ? ` (${stateName(i.classification)})` : ""}</dd>
        <dt>${t("source")}</dt><dd>${i.source || "–"}</dd>
        <dt>${t("gate")}</dt><dd>${i.gate || "–"}</dd>
        <dt>${t("time")}</dt><dd>${fmtTime(i.created_at)}</dd>
      </dl>
      ${i.data?.instructions ? html`<p class="instructions">${i.data.instructions}</p>` : ""}
      ${escalation(i)}
      <p class="error" role="alert">${this.error}</p>
      ${procedure(i, open && STAFF.includes(role))}
      ${open ? html`<div class="actions">
        ${RESPONDERS.includes(role) && i.status === "raised" ? html`<button class="primary" data-action="acknowledge">${t("acknowledge")}</button>` : ""}
        ${RESPONDERS.includes(role) && ["raised", "acknowledged"].includes(i.status) ? html`<button data-action="dispatch">${t("dispatch")}</button>` : ""}
        ${STAFF.includes(role) ? html`
          <button data-action="resolve" data-class="real">${t("resolve_real")}</button>
          <button data-action="resolve" data-class="false_alarm">${t("resolve_false")}</button>
          <button data-action="resolve" data-class="test">${t("resolve_test")}</button>
          ${latched ? html`<label class="reset-source"><input type="checkbox" name="reset_source" checked> ${t("reset_with_resolve")}</label>` : ""}` : ""}
      </div>` : ""}
      ${!open && latched && STAFF.includes(role) ? html`<div class="actions">
        <button class="primary" data-action="reset_source">${t("reset_button")}</button></div>` : ""}
      ${RESPONDERS.includes(role) ? html`<form class="note" data-form="note">
        <input name="note" placeholder="${t("note")}" maxlength="2000" required>
        <button type="submit">${t("add_note")}</button></form>` : ""}
      ${i.snapshots.length ? html`<h3>${t("snapshots")}</h3><div class="snaps">${i.snapshots.map((s) =>
        html`<a href="/api/snapshots/${s}" target="_blank" rel="noopener"><img src="/api/snapshots/${s}" alt="${t("snapshot")}" loading="lazy"></a>`)}</div>` : ""}
      <h3>${t("timeline")}</h3>
      <ol class="timeline">${[...i.timeline].reverse().map((s) => html`
        <li><time>${fmtTime(s.at)}</time> <strong>${t(STEP_KEYS[s.action] || s.action)}</strong> <span class="actor">${s.actor === "hub" ? t("system") : s.actor}</span>
        ${stepNote(i, s)}${stepData(s)}</li>`)}</ol>`;
  }

  async onClick(e) {
    const rowEl = e.target.closest("[data-incident-id]");
    const action = e.target.closest("[data-action]");
    if (action?.dataset.action === "toggle") {
      this.showAll = !this.showAll;
      if (this.showAll) {
        const page = await api("GET", "/api/incidents?status=all&limit=100");
        this.recent = page.items;
      }
      this.draw();
      return;
    }
    if (action && this.selected) {
      const name = action.dataset.action;
      const source = this.current()?.source;
      if (name === "reset_source") {
        await this.resetSource(source);
        return;
      }
      const data = { incident_id: this.selected };
      if (name === "check") {
        await this.call("check_step", { ...data, item: action.dataset.item });
        return;
      }
      if (name === "resolve") data.classification = action.dataset.class;
      // Resolving a latched button's incident offers its reset in the same place (issue 10).
      const reset = name === "resolve" && this.querySelector("input[name=reset_source]")?.checked;
      if (await this.call(name, data) && reset) await this.resetSource(source);
      return;
    }
    if (rowEl) {
      this.querySelector("li.selected")?.classList.remove("selected");
      rowEl.classList.add("selected");
      this.selected = rowEl.dataset.incidentId;
      history.replaceState(null, "", `#/incidents/${this.selected}`);
      this.error = "";
      this.drawDetail();
    }
  }

  async onSubmit(e) {
    if (e.target.dataset.form !== "note") return;
    e.preventDefault();
    await this.call("add_note", { incident_id: this.selected, note: formData(e.target).note });
  }

  async call(service, data) {
    try {
      const updated = await callService("incident", service, data);
      live.incidents.set(updated.id, updated);
      this.recent = this.recent.map((i) => (i.id === updated.id ? updated : i));
      this.error = "";
      this.upsert(updated);
    } catch (err) {
      this.error = err.message;
      this.drawDetail();
      return false;
    }
    this.drawDetail();
    return true;
  }

  async resetSource(entityId) {
    try {
      await callService("alarm", "reset", { entity_id: entityId });
      this.error = "";
    } catch (err) {
      this.error = err.message;
    }
    this.drawDetail();
  }
}

function row(i, selected) {
  return html`<li class="incident p${i.priority}${selected ? " selected" : ""}" data-incident-id="${i.id}" data-created="${i.created_at}" tabindex="0">
    <span class="prio p${i.priority}">${t(`p${i.priority}`)}</span>
    <span class="what"><strong>${category(i.category)}</strong> ${incidentMessage(i)}</span>
    <span class="status s-${i.status}">${t(i.status)}</span>
    <time>${fmtTime(i.created_at)}</time></li>`;
}

// What the hub does next unless someone acknowledges (the incident's escalation plan).
function escalation(i) {
  const plan = i.data?.escalation || [];
  if (!plan.length || i.status !== "raised" || i.test) return "";
  const done = new Set(i.timeline.filter((s) => s.action === "escalated").map((s) => s.data?.step));
  const next = plan.filter((p) => !done.has(p.step));
  if (!next.length) return "";
  return html`<p class="escalation">${t("escalates_unless_ack")}: ${next.map((p) =>
    html`<span class="esc-step" data-step="${p.step}">${t(`esc_${p.kind}`)} <time>${fmtTime(i.created_at + p.after)}</time></span>`)}</p>`;
}

// The incident's checklist (issue 15): ticked items with who and when, the rest with a button.
function procedure(i, canTick) {
  const items = i.data?.procedure || [];
  if (!items.length) return "";
  const done = ticks(i);
  const left = items.filter((x) => !done.has(x.id)).length;
  return html`<h3>${t("procedure")} <small class="left">${left ? `${left} ${t("steps_left")}` : t("all_done")}</small></h3>
    <ol class="procedure">${items.map((x) => {
      const tick = done.get(x.id);
      return html`<li class="${tick ? "done" : "todo"}" data-item="${x.id}">
        ${tick ? html`<span class="tick" aria-label="${t("all_done")}">✓</span>` : canTick ? html`<button type="button" data-action="check" data-item="${x.id}">${t("done_button")}</button>` : html`<span class="tick"></span>`}
        <span class="text">${itemText(x)}</span>
        ${tick ? html`<span class="who">${tick.actor} <time>${fmtTime(tick.at)}</time></span>` : ""}</li>`;
    })}</ol>`;
}

function ticks(i) {
  const done = new Map();
  for (const s of i.timeline) if (s.action === "procedure_checked") done.set(s.data?.item, s);
  return done;
}

function itemText(item) { return (language() === "zh" && item.zh) || item.text; }

// A ticked step shows its item in the panel's language (the stored note is the English text).
function stepNote(i, s) {
  let note = s.note;
  if (s.action === "procedure_checked" && note === s.data?.text) {
    const item = (i.data?.procedure || []).find((x) => x.id === s.data.item);
    if (item) note = itemText(item);
  }
  return note ? html`<span class="note">${note}</span>` : "";
}

function stepData(step) {
  const d = step.data || {};
  if (d.snapshot_id) return html` <a href="/api/snapshots/${d.snapshot_id}" target="_blank" rel="noopener">${t("snapshot")}</a>`;
  const keys = Object.keys(d).filter((k) => ["kind", "destination", "status", "attempts", "classification", "error", "detail", "channel", "channels", "entities", "uplinks"].includes(k));
  return keys.length ? html` <span class="data">${keys.map((k) => `${k}: ${d[k]}`).join(", ")}</span>` : "";
}

// The incident's source is an alarm input that is latched and still shows triggered.
function latchedSource(i) {
  const state = i.source && live.states.get(i.source);
  return Boolean(state && i.source.startsWith("alarm.") && state.state === "triggered" && state.attributes?.latched);
}

function isOpen(i) { return !["resolved", "false_alarm"].includes(i.status); }

function mergeById(open, recent, map) {
  const out = new Map(recent.map((i) => [i.id, map.get(i.id) || i]));
  for (const i of open) out.set(i.id, i);
  return [...out.values()];
}

customElements.define("page-incidents", IncidentsPage);
