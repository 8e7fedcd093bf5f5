// People (admin): the watch list and the allow list of face recognition.
import { api } from "../lib/api.js";
import { html } from "../lib/html.js";
import { t } from "../lib/i18n.js";

class PeoplePage extends HTMLElement {
  connectedCallback() { this.load(); }

  async load() {
    let people;
    try {
      people = await api("GET", "/api/people");
    } catch (err) {
      this.innerHTML = html`<p class="card empty">${err.status === 404 ? t("not_available") : err.message}</p>`.toString();
      return;
    }
    const items = people.items || people;
    const lists = [...new Set(items.map((p) => p.list))].sort();
    this.innerHTML = lists.map((list) => html`<section class="card"><h2>${list === "watch" || list === "watchlist" ? t("watchlist") : list === "allow" || list === "allowlist" ? t("allowlist") : list}</h2>
      <table><thead><tr><th>${t("name")}</th><th>${t("group")}</th><th>${t("photos")}</th></tr></thead>
      <tbody>${items.filter((p) => p.list === list).map((p) => html`<tr><td>${p.name}</td><td>${p.group || "–"}</td><td>${(p.photos || []).length}</td></tr>`)}</tbody></table></section>`).join("");
  }
}

customElements.define("page-people", PeoplePage);
