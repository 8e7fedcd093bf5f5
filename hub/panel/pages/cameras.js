// Cameras: a grid of snapshots refreshed every second; one camera live (MJPEG) with PTZ.
import { callService } from "../lib/api.js";
import { html } from "../lib/html.js";
import { t } from "../lib/i18n.js";
import { live } from "../lib/live.js";

const REFRESH_MS = 1000;

class CamerasPage extends HTMLElement {
  connectedCallback() {
    this.timers = new Set();
    this.error = "";
    this.onStates = () => { if (!this.drawn) this.draw(); };
    live.addEventListener("states", this.onStates);
    this.addEventListener("click", (e) => this.onClick(e));
    this.draw();
  }

  disconnectedCallback() {
    live.removeEventListener("states", this.onStates);
    for (const timer of this.timers) clearTimeout(timer);
    for (const img of this.querySelectorAll("img.live")) img.src = "";
  }

  draw() {
    const cameras = live.domain("camera");
    this.drawn = cameras.length > 0;
    const one = this.args?.[0];
    if (one) return this.single(live.states.get(one) || { entity_id: one, attributes: {} });
    this.innerHTML = html`
      <section class="card"><h2>${t("cameras")}</h2>
      ${cameras.length === 0 ? html`<p class="empty">${t("no_cameras")}</p>` : ""}
      <div class="grid">${cameras.map((c) => html`
        <figure class="cam"><a href="#/cameras/${c.entity_id}">
          <img class="refresh" data-entity="${c.entity_id}" alt="${c.attributes.friendly_name || c.entity_id}"></a>
          <figcaption>${c.attributes.friendly_name || c.entity_id} <span class="state st-${c.state}">${c.state === "unavailable" ? t("unavailable") : ""}</span></figcaption>
        </figure>`)}</div></section>`.toString();
    for (const img of this.querySelectorAll("img.refresh")) this.refresh(img);
  }

  refresh(img) {
    const started = Date.now();
    const next = () => {
      if (!this.isConnected) return;
      const wait = Math.max(0, REFRESH_MS - (Date.now() - started));
      const timer = setTimeout(() => { this.timers.delete(timer); this.refresh(img); }, wait);
      this.timers.add(timer);
    };
    img.onload = next;
    img.onerror = () => { img.classList.add("broken"); next(); };
    img.src = `/api/cameras/${encodeURIComponent(img.dataset.entity)}/snapshot?t=${started}`;
  }

  single(cam) {
    const ptz = cam.attributes.supports_ptz && ["admin", "guard"].includes(this.user.role);
    const id = cam.entity_id;
    this.innerHTML = html`
      <section class="card single"><h2><a href="#/cameras">← ${t("back")}</a> ${cam.attributes.friendly_name || id}</h2>
      <img class="live" src="/api/cameras/${encodeURIComponent(id)}/mjpeg" alt="${id}">
      <p class="error" role="alert">${this.error}</p>
      <div class="actions">
        ${ptz ? html`<span class="ptz" aria-label="${t("ptz")}">
          <button data-ptz="0,1,0">▲</button><button data-ptz="-1,0,0">◀</button>
          <button data-ptz="1,0,0">▶</button><button data-ptz="0,-1,0">▼</button>
          <button data-ptz="0,0,1">${t("zoom_in")}</button><button data-ptz="0,0,-1">${t("zoom_out")}</button></span>` : ""}
        <button data-action="snapshot">${t("snapshot")}</button>
      </div></section>`.toString();
  }

  async onClick(e) {
    const id = this.args?.[0];
    const btn = e.target.closest("[data-ptz], [data-action]");
    if (!btn || !id) return;
    try {
      if (btn.dataset.ptz) {
        const [pan, tilt, zoom] = btn.dataset.ptz.split(",").map(Number);
        await callService("camera", "ptz", { entity_id: id, move: "continuous", pan, tilt, zoom, seconds: 0.5 });
      } else {
        const out = await callService("camera", "snapshot", { entity_id: id });
        const snap = out?.[0]?.snapshot_id;
        if (snap) window.open(`/api/snapshots/${snap}`, "_blank", "noopener");
      }
      this.error = "";
    } catch (err) {
      this.error = err.message;
      const p = this.querySelector(".error");
      if (p) p.textContent = this.error;
    }
  }
}

customElements.define("page-cameras", CamerasPage);
