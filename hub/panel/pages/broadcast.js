// Broadcast: speak a typed message or a preset through a chosen speaker.
import { callService } from "../lib/api.js";
import { html, formData } from "../lib/html.js";
import { t, language } from "../lib/i18n.js";
import { live } from "../lib/live.js";

const PRESETS = ["preset_clear", "preset_closed", "preset_evacuate"];

class BroadcastPage extends HTMLElement {
  connectedCallback() {
    this.addEventListener("click", (e) => {
      const preset = e.target.closest("[data-preset]");
      if (preset) this.querySelector("textarea").value = t(preset.dataset.preset);
    });
    this.addEventListener("submit", (e) => this.send(e));
    this.onStates = () => this.draw();
    live.addEventListener("states", this.onStates);
    this.draw();
  }

  disconnectedCallback() { live.removeEventListener("states", this.onStates); }

  draw() {
    const speakers = live.domain("speaker");
    this.innerHTML = html`<form class="card broadcast" data-form="broadcast"><h2>${t("broadcast")}</h2>
      <label>${t("speaker")}<select name="entity_id" multiple size="${Math.min(4, Math.max(2, speakers.length))}" required>
        ${speakers.map((s, i) => html`<option value="${s.entity_id}" ${i === 0 ? "selected" : ""}>${s.attributes.friendly_name || s.entity_id}</option>`)}</select></label>
      <p class="presets">${t("presets")}: ${PRESETS.map((p) => html`<button type="button" data-preset="${p}">${t(p)}</button>`)}</p>
      <label>${t("message")}<textarea name="message" rows="3" maxlength="2000" required></textarea></label>
      <label>${t("language")}<select name="language"><option value="zh" ${language() === "zh" ? "selected" : ""}>中文</option><option value="en" ${language() === "en" ? "selected" : ""}>English</option></select></label>
      <label>${t("volume")}<input name="volume" type="number" min="0" max="100" value="80"></label>
      <p class="error" role="alert"></p><p class="ok" role="status"></p>
      <button type="submit" class="primary big">${t("send")}</button></form>`.toString();
  }

  async send(e) {
    e.preventDefault();
    const form = e.target;
    const data = formData(form);
    const targets = [...form.querySelector("select[name=entity_id]").selectedOptions].map((o) => o.value);
    const ok = form.querySelector(".ok");
    const err = form.querySelector(".error");
    try {
      await callService("speaker", "broadcast", { entity_id: targets, message: data.message,
                                                  language: data.language, volume: Number(data.volume) });
      ok.textContent = t("sent");
      err.textContent = "";
    } catch (error) {
      err.textContent = error.message;
      ok.textContent = "";
    }
  }
}

customElements.define("page-broadcast", BroadcastPage);
