// People (admin): the watch list and the allow list of face recognition.
import { api } from "../lib/api.js";
import { html, formData } from "../lib/html.js";
import { t } from "../lib/i18n.js";

const LISTS = ["watch", "allow"];

class PeoplePage extends HTMLElement {
  connectedCallback() {
    this.error = "";
    this.addEventListener("submit", (e) => this.onSubmit(e));
    this.addEventListener("click", (e) => this.onClick(e));
    this.addEventListener("change", (e) => this.onUpload(e));
    this.load();
  }

  async load() {
    let people;
    try {
      people = await api("GET", "/api/people");
    } catch (err) {
      this.innerHTML = html`<p class="card empty">${err.status === 404 ? t("not_available") : err.message}</p>`.toString();
      return;
    }
    this.innerHTML = html`<p class="error" role="alert">${this.error}</p>
      <form class="card inline" data-form="person"><input name="name" placeholder="${t("name")}" required>
        <select name="list">${LISTS.map((l) => html`<option value="${l}">${t(`${l}list`)}</option>`)}</select>
        <input name="group" placeholder="${t("group")}" required><button type="submit">${t("create")}</button></form>
      ${LISTS.map((list) => html`<section class="card"><h2>${t(`${list}list`)}</h2>
        <table><thead><tr><th>${t("name")}</th><th>${t("group")}</th><th>${t("photos")}</th><th></th></tr></thead>
        <tbody>${people.filter((p) => p.list === list).map((p) => html`<tr><td>${p.name}</td><td>${p.group}</td>
          <td>${p.photos.length} <label class="upload">+ <input type="file" accept="image/jpeg" data-person="${p.person_id}"></label></td>
          <td><button data-action="remove" data-id="${p.person_id}">${t("remove")}</button></td></tr>`)}</tbody></table></section>`)}`.toString();
  }

  async attempt(fn) {
    try {
      await fn();
      this.error = "";
    } catch (err) {
      this.error = err.message;
    }
    await this.load();
  }

  onSubmit(e) {
    e.preventDefault();
    const data = formData(e.target);
    this.attempt(() => api("POST", "/api/people", data));
  }

  onClick(e) {
    const btn = e.target.closest("[data-action=remove]");
    if (btn) this.attempt(() => api("DELETE", `/api/people/${btn.dataset.id}`));
  }

  onUpload(e) {
    const file = e.target.files?.[0];
    if (!file) return;
    this.attempt(() => api("POST", `/api/people/${e.target.dataset.person}/photos`, file, "image/jpeg"));
  }
}

customElements.define("page-people", PeoplePage);
