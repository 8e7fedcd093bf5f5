// The locker kind's panel card (<kind-locker>), served as /panel/kinds/locker.js: every bank
// as a grid of doors (label, free or in use, door open, something inside), kept current over
// the WebSocket; guards and admins can open a door and free a locker.
import { callService } from "../lib/api.js";
import { html } from "../lib/html.js";
import { language } from "../lib/i18n.js";
import { live } from "../lib/live.js";

const TEXTS = {
  en: { lockers: "Lockers", free: "free", assigned: "in use", door_open: "door open",
        door_closed: "closed", item: "item inside", open: "Open", release: "Free",
        unavailable: "unavailable", in_use: "in use", of: "of", holder: "holder" },
  zh: { lockers: "储物柜", free: "空闲", assigned: "使用中", door_open: "门未关",
        door_closed: "已关", item: "有物品", open: "开门", release: "释放",
        unavailable: "离线", in_use: "使用中", of: "/", holder: "使用者" },
};
const STAFF = ["admin", "guard"];
const sheet = new CSSStyleSheet();  // CSSOM: allowed by the panel's style-src 'self'
sheet.replaceSync(`
kind-locker .bank { display: grid; grid-template-columns: repeat(auto-fill, minmax(7.5rem, 1fr)); gap: .4rem; }
kind-locker .door { border: 1px solid var(--line); border-radius: 4px; padding: .35rem .45rem; }
kind-locker .door.assigned { background: #fff4d6; } kind-locker .door.open { border-color: var(--bad); border-width: 2px; }
kind-locker .door.unavailable { opacity: .5; } kind-locker .door .label { font-weight: bold; font-size: 1.1rem; }
kind-locker .door small { display: block; } kind-locker .door button { margin-top: .2rem; }`);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

function tr(key) { return (TEXTS[language()] || TEXTS.en)[key] ?? TEXTS.en[key] ?? key; }

class LockerCard extends HTMLElement {
  connectedCallback() {
    this.error = "";
    this.render = () => this.draw();
    this.onState = (e) => { if (!e.detail || e.detail.entity_id?.startsWith("locker.")) this.draw(); };
    live.addEventListener("state", this.onState);
    live.addEventListener("states", this.render);
    this.addEventListener("click", (e) => this.onClick(e));
    this.draw();
  }

  disconnectedCallback() {
    live.removeEventListener("state", this.onState);
    live.removeEventListener("states", this.render);
  }

  draw() {
    const banks = new Map();
    for (const s of live.domain("locker")) {
      const bank = s.attributes.bank || s.entity_id;
      if (!banks.has(bank)) banks.set(bank, []);
      banks.get(bank).push(s);
    }
    const staff = STAFF.includes(this.user?.role);
    this.innerHTML = html`<section class="card lockers"><h2>${tr("lockers")}</h2>
      <p class="error" role="alert">${this.error}</p>
      ${[...banks].map(([bank, doors]) => html`<h3>${bank}
        <small>${doors.filter((d) => d.state === "assigned").length} ${tr("of")} ${doors.length} ${tr("in_use")}</small></h3>
        <div class="bank">${doors.sort((a, b) => a.attributes.door_number - b.attributes.door_number).map((d) => this.door(d, staff))}</div>`)}
      </section>`.toString();
  }

  door(s, staff) {
    const a = s.attributes;
    const down = s.state === "unavailable";
    const cls = ["door", s.state, a.door === "open" ? "open" : ""].join(" ");
    return html`<div class="${cls}" data-entity="${s.entity_id}">
      <span class="label">${a.label}</span> <span class="state-text">${down ? tr("unavailable") : tr(s.state)}</span>
      <small class="door-state">${a.door === "open" ? tr("door_open") : a.door ? tr("door_closed") : "–"}${a.occupied ? html` · <span class="item">${tr("item")}</span>` : ""}</small>
      ${a.holder ? html`<small class="holder">${tr("holder")}: ${a.holder}</small>` : ""}
      ${staff && !down ? html`<button type="button" data-locker="open" data-id="${s.entity_id}">${tr("open")}</button>
        ${s.state === "assigned" ? html`<button type="button" data-locker="release" data-id="${s.entity_id}">${tr("release")}</button>` : ""}` : ""}
    </div>`;
  }

  async onClick(e) {
    const btn = e.target.closest("[data-locker]");
    if (!btn) return;
    btn.disabled = true;
    try {
      await callService("locker", btn.dataset.locker, { entity_id: btn.dataset.id });
      this.error = "";
    } catch (err) {
      this.error = err.message;
    }
    this.draw();
  }
}

customElements.define("kind-locker", LockerCard);
