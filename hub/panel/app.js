// The panel shell: login, navigation by role, the alarm banner, and the page router.
import { api, setCsrf } from "./lib/api.js";
import { html, fmtTime, formData, throttleFrame } from "./lib/html.js";
import { t, setLanguage, language, hasChosenLanguage, category, roleName, incidentMessage } from "./lib/i18n.js";
import { live } from "./lib/live.js";
import "./pages/incidents.js";

const PAGES = [
  { id: "incidents", roles: ["admin", "guard", "police", "viewer"], module: "./pages/incidents.js" },
  { id: "cameras", roles: ["admin", "guard", "police"], module: "./pages/cameras.js" },
  { id: "gates", roles: ["admin", "guard"], module: "./pages/gates.js" },
  { id: "visitors", roles: ["admin", "guard"], module: "./pages/visitors.js" },
  { id: "broadcast", roles: ["admin", "guard", "police"], module: "./pages/broadcast.js" },
  { id: "devices", roles: ["admin", "guard", "viewer"], module: "./pages/devices.js" },
  { id: "selfcheck", roles: ["admin", "guard", "viewer"], module: "./pages/selfcheck.js" },
  { id: "duty", roles: ["admin", "guard"], module: "./pages/duty.js" },
  { id: "people", roles: ["admin"], module: "./pages/people.js" },
  { id: "automations", roles: ["admin"], module: "./pages/automations.js" },
  { id: "uplinks", roles: ["admin"], module: "./pages/uplinks.js" },
  { id: "admin", roles: ["admin"], module: "./pages/admin.js" },
];
const ALARM_CATEGORIES = new Set(["panic", "watchlist_match"]);

class CampusApp extends HTMLElement {
  connectedCallback() {
    this.user = null;
    this.addEventListener("submit", (e) => this.onSubmit(e));
    this.addEventListener("click", (e) => this.onClick(e));
    window.addEventListener("hashchange", () => this.route());
    window.addEventListener("logged-out", () => this.showLogin());
    this.renderBanner = throttleFrame(() => this.banner());
    live.addEventListener("incident", this.renderBanner);
    live.addEventListener("incidents", this.renderBanner);
    live.addEventListener("state", (e) => { if (e.detail?.entity_id?.startsWith("alarm.")) this.renderBanner(); });
    live.addEventListener("states", this.renderBanner);
    live.addEventListener("connection", (e) => this.classList.toggle("offline", !e.detail));
    this.boot();
  }

  async boot() {
    try {
      const info = await api("GET", "/api/info");
      this.start(info);
    } catch {
      this.showLogin();
    }
  }

  start(info) {
    this.info = info;
    this.user = info.user;
    setCsrf(info.csrf_token);
    if (!hasChosenLanguage()) setLanguage(info.language);
    this.shell();
    live.start();
    this.route();
  }

  showLogin(message = "") {
    live.stop();
    this.user = null;
    document.title = t("app");
    this.innerHTML = html`
      <form class="login card" data-form="login">
        <h1>${t("app")}</h1>
        <label>${t("name")}<input name="name" autocomplete="username" required autofocus></label>
        <label>${t("password")}<input name="password" type="password" autocomplete="current-password" required></label>
        <p class="error" role="alert">${message}</p>
        <button type="submit" class="primary">${t("login")}</button>
        <p class="langs"><button type="button" data-lang="en">English</button> <button type="button" data-lang="zh">中文</button></p>
      </form>`.toString();
  }

  shell() {
    const pages = PAGES.filter((p) => p.roles.includes(this.user.role));
    document.title = `${this.info.name} – ${t("app")}`;
    this.innerHTML = html`
      <header class="top">
        <strong class="site">${this.info.name}</strong>
        <nav>${pages.map((p) => html`<a href="#/${p.id}" data-page="${p.id}">${t(p.id)}</a>`)}</nav>
        <span class="who">${this.user.display_name || this.user.name} (<span class="role">${roleName(this.user.role)}</span>)</span>
        <button type="button" data-lang="${language() === "zh" ? "en" : "zh"}">${language() === "zh" ? "English" : "中文"}</button>
        <button type="button" data-action="logout">${t("logout")}</button>
      </header>
      <div class="offline-note" role="status">${t("connection_lost")}</div>
      <section class="banners" aria-live="assertive"></section>
      <main id="page"></main>`.toString();
    this.banner();
  }

  async route() {
    if (!this.user) return;
    const [, name = "incidents", ...rest] = location.hash.split("/");
    const page = PAGES.find((p) => p.id === name) || PAGES[0];
    const main = this.querySelector("#page");
    for (const a of this.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.page === page.id);
    if (!page.roles.includes(this.user.role)) {
      main.innerHTML = html`<p class="card denied">${t("not_allowed")}</p>`.toString();
      return;
    }
    await import(page.module);
    const el = document.createElement(`page-${page.id}`);
    el.args = rest.map(decodeURIComponent);
    el.user = this.user;
    main.replaceChildren(el);
  }

  alarms() {
    return [...live.incidents.values()]
      .filter((i) => i.status === "raised" && (ALARM_CATEGORIES.has(i.category) || i.priority === 1))
      .sort((a, b) => b.created_at - a.created_at);
  }

  banner() {
    const box = this.querySelector(".banners");
    if (!box) return;
    const alarms = this.alarms();
    const canAck = ["admin", "guard", "police"].includes(this.user?.role);
    // An alarm press the hub could not store yet: the guard must see it (issue 10).
    const unrecorded = live.domain("alarm").filter((s) => s.attributes?.raise_error);
    box.innerHTML = unrecorded.map((s) => html`
      <div class="banner p1 unrecorded" data-unrecorded="${s.entity_id}">
        <strong>${t("press_not_recorded")}</strong> <span>${s.attributes.friendly_name || s.entity_id}: ${s.attributes.raise_error}</span>
        <span>${s.attributes.pending_presses} ${t("presses_waiting")}</span>
      </div>`).join("") + alarms.map((i) => html`
      <div class="banner p${i.priority}" data-banner="${i.id}">
        <strong>${category(i.category)}</strong>${i.test ? html` <em class="test-flag">${t("test_flag")}</em>` : ""} <span>${incidentMessage(i)}</span>
        <span>${i.gate ? `${t("gate")}: ${i.gate}` : ""}</span> <time>${fmtTime(i.created_at)}</time>
        ${canAck ? html`<button type="button" data-action="ack" data-id="${i.id}">${t("banner_ack")}</button>` : ""}
      </div>`).join("");
    siren(alarms.length + unrecorded.length > 0);
  }

  async onSubmit(e) {
    if (e.target.dataset.form !== "login") return;
    e.preventDefault();
    const data = formData(e.target);
    try {
      const out = await api("POST", "/api/auth/login", data);
      setCsrf(out.csrf_token);
      this.start(await api("GET", "/api/info"));
    } catch (err) {
      this.showLogin(err.status === 429 ? err.message : t("wrong_login"));
    }
  }

  async onClick(e) {
    const el = e.target.closest("[data-action], [data-lang]");
    if (!el) return;
    if (el.dataset.lang) {
      setLanguage(el.dataset.lang, true);
      if (this.user) { this.shell(); this.route(); } else this.showLogin();
    } else if (el.dataset.action === "logout") {
      await api("POST", "/api/auth/logout").catch(() => {});
      this.showLogin();
    } else if (el.dataset.action === "ack") {
      el.disabled = true;
      const { callService } = await import("./lib/api.js");
      await callService("incident", "acknowledge", { incident_id: el.dataset.id }).catch(() => { el.disabled = false; });
    }
  }
}

// A two-tone siren from WebAudio, repeating while an alarm waits for acknowledgement.
let audio = null;
let sirenTimer = null;
function siren(on) {
  document.body.dataset.siren = on ? "on" : "off";
  if (!on) { clearInterval(sirenTimer); sirenTimer = null; return; }
  if (sirenTimer) return;
  const beep = () => {
    try {
      audio = audio || new AudioContext();
      const now = audio.currentTime;
      [880, 660].forEach((freq, i) => {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.frequency.value = freq;
        gain.gain.value = 0.2;
        osc.connect(gain).connect(audio.destination);
        osc.start(now + i * 0.25);
        osc.stop(now + i * 0.25 + 0.22);
      });
    } catch { /* no audio device: the banner still shows */ }
  };
  beep();
  sirenTimer = setInterval(beep, 1500);
}

customElements.define("campus-app", CampusApp);
