// Devices: health of every device; discovered devices with the YAML to add them.
import { api, callService } from "../lib/api.js";
import { html, ago, fmtTime } from "../lib/html.js";
import { t, stateName } from "../lib/i18n.js";
import { live } from "../lib/live.js";

const STAFF = ["admin", "guard"];

class DevicesPage extends HTMLElement {
  connectedCallback() {
    this.error = "";
    this.innerHTML = '<div class="kind-cards"></div><div class="devices-main"></div>';
    this.addEventListener("click", (e) => this.onClick(e));
    this.loadCards();
    this.load();
    this.timer = setInterval(() => this.load(), 5000);
  }

  disconnectedCallback() { clearInterval(this.timer); }

  // A kind a plugin registers may ship a card (<kind-DOMAIN>, /panel/kinds/DOMAIN.js).
  async loadCards() {
    const info = await api("GET", "/api/info");
    for (const domain of info.kind_cards || []) {
      try {
        await import(`/panel/kinds/${domain}.js`);
      } catch (err) {
        console.error(`panel card of kind ${domain}:`, err);
        continue;
      }
      if (!this.isConnected) return;
      const card = document.createElement(`kind-${domain}`);
      card.user = this.user;
      this.querySelector(".kind-cards").append(card);
    }
  }

  async load() {
    const devices = await api("GET", "/api/devices");
    let discovered = null;
    try { discovered = await api("GET", "/api/discovery"); } catch { discovered = null; }
    let plugins = null;
    try { plugins = await api("GET", "/api/plugins"); } catch { plugins = null; }
    let tests = [];
    try { tests = await api("GET", "/api/alarm_tests"); } catch { tests = []; }
    if (!this.isConnected) return;
    // The page refreshes every few seconds: keep the YAML the user opened open.
    const open = new Set([...this.querySelectorAll("details[open]")].map((d) => d.dataset.key));
    this.querySelector(".devices-main").innerHTML = html`${this.alarmTests(tests)}<section class="card"><h2>${t("devices")}</h2>
      <p class="error" role="alert">${this.error}</p>
      <table class="devices"><thead><tr><th>${t("item_name")}</th><th>${t("platform")}</th><th>${t("gate")}</th>
        <th>${t("state")}</th><th>${t("last_seen")}</th><th>${t("battery")}</th><th>${t("tamper")}</th><th></th></tr></thead>
      <tbody>${devices.map((d) => html`<tr class="${d.available ? "" : "down"}">
        <td>${d.name}<br><small>${d.entity_id}</small></td><td>${d.platform}</td><td>${d.gate || "–"}</td>
        <td><span class="dot ${d.available ? "ok" : "bad"}"></span><span class="state-text">${d.available ? stateName(d.state) : t("unavailable")}</span>${d.available || !d.unavailable_reason ? "" : `: ${d.unavailable_reason}`}</td>
        <td title="${fmtTime(d.last_seen)}" class="ago">${ago(d.last_seen)}</td>
        <td>${d.battery ?? "–"}</td><td>${d.tamper === undefined || d.tamper === null ? "–" : d.tamper ? "⚠" : t("tamper_ok")}</td>
        <td class="actions">${d.domain === "alarm" ? this.alarmControls(d) : d.domain === "switch" ? this.switchControls(d) : ""}</td></tr>`)}</tbody></table></section>
      ${plugins && plugins.failed.length ? html`<section class="card plugins-failed"><h2>${t("plugins_failed")}</h2>
        <ul>${plugins.failed.map((f) => html`<li class="error"><strong>${f.domain}</strong> (${f.hook}): ${f.error}</li>`)}</ul></section>` : ""}
      ${discovered ? html`<section class="card"><h2>${t("discovered")}</h2>
        ${discovered.map((d) => html`<article class="found"><h3>${d.name || d.host || d.key}</h3>
          <p class="muted">${d.manufacturer || ""} ${d.model || ""} ${d.host || ""}${d.port ? `:${d.port}` : ""} (${d.via}) ${d.platforms.length ? `→ ${d.platforms.join(", ")}` : ""}</p>
          ${d.yaml ? html`<details data-key="${d.key}" ${open.has(d.key) ? "open" : ""}><summary>${t("add_yaml")}</summary><pre class="yaml">${d.yaml}</pre></details>` : ""}</article>`)}
        ${discovered.length === 0 ? html`<p class="empty">${t("nothing_discovered")}</p>` : ""}</section>` : ""}`.toString();
  }

  // Panic-button tests (issue 15): what is due, the last test, and a test window to open.
  alarmTests(rows) {
    if (!rows.length) return "";
    const staff = STAFF.includes(this.user?.role);
    const order = { never_tested: 0, overdue: 1, due_soon: 2, ok: 3 };
    const sorted = [...rows].sort((a, b) => order[a.state] - order[b.state]);
    return html`<section class="card alarm-tests"><h2>${t("alarm_tests")}</h2>
      <table class="tests"><thead><tr><th>${t("item_name")}</th><th>${t("gate")}</th><th>${t("state")}</th>
        <th>${t("last_test")}</th><th>${t("next_due")}</th><th></th></tr></thead>
      <tbody>${sorted.map((r) => html`<tr class="test-${r.state}" data-entity="${r.entity_id}">
        <td>${r.name}<br><small>${r.entity_id}</small></td><td>${r.gate || "–"}</td>
        <td><span class="dot ${r.state === "ok" ? "ok" : "bad"}"></span><span class="test-state">${t(`test_${r.state}`)}</span></td>
        <td>${r.last_test_at ? fmtTime(r.last_test_at) : "–"}</td><td>${r.due_at ? fmtTime(r.due_at) : t("test_now")}</td>
        <td class="actions">${r.window_until ? html`<small class="window">${t("test_window_until")} ${fmtTime(r.window_until)}</small>`
          : staff ? html`<button type="button" data-test-window="${r.entity_id}">${t("start_test_window")}</button>` : ""}</td></tr>`)}</tbody></table></section>`;
  }

  // alarm.reset (admin, guard) for a triggered input; alarm.test (admin). A press the hub
  // could not store yet is shown here in red, with how many wait (issue 10).
  alarmControls(d) {
    const attrs = live.states.get(d.entity_id)?.attributes || {};
    const role = this.user?.role;
    return html`${attrs.raise_error ? html`<span class="error alarm-error">${t("press_not_recorded")}: ${attrs.raise_error} (${attrs.pending_presses} ${t("presses_waiting")})</span> ` : ""}
      ${d.state === "triggered" && attrs.latched ? html`<small class="latched">${t("latched")}</small> ` : ""}
      ${STAFF.includes(role) && d.state === "triggered" ? html`<button type="button" data-alarm="reset" data-id="${d.entity_id}">${t("alarm_reset")}</button>` : ""}
      ${role === "admin" ? html`<button type="button" data-alarm="test" data-id="${d.entity_id}">${t("alarm_test")}</button>` : ""}`;
  }

  // switch.turn_on / turn_off (admin, guard): a camera's relay driving a siren or a door.
  switchControls(d) {
    if (!STAFF.includes(this.user?.role) || !d.available) return "";
    const service = d.state === "on" ? "turn_off" : "turn_on";
    return html`<button type="button" data-switch="${service}" data-id="${d.entity_id}">${t(`switch_${service}`)}</button>`;
  }

  async onClick(e) {
    const windowButton = e.target.closest("[data-test-window]");
    if (windowButton) {
      try {
        await callService("alarm_tests", "start_window", { entity_id: [windowButton.dataset.testWindow] });
        this.error = "";
      } catch (err) { this.error = err.message; }
      await this.load();
      return;
    }
    const btn = e.target.closest("[data-alarm], [data-switch]");
    if (!btn) return;
    btn.disabled = true;
    const [domain, service] = btn.dataset.alarm ? ["alarm", btn.dataset.alarm] : ["switch", btn.dataset.switch];
    try {
      await callService(domain, service, { entity_id: btn.dataset.id });
      this.error = "";
    } catch (err) {
      this.error = err.message;
    }
    await this.load();
  }
}

customElements.define("page-devices", DevicesPage);
