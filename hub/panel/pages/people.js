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
      <form class="card inline" data-form="person"><h2>${t("add_person")}</h2>
        <input name="name" placeholder="${t("person_name")}" aria-label="${t("person_name")}" required maxlength="128">
        <select name="list" aria-label="${t("list")}">${LISTS.map((l) => html`<option value="${l}">${t(`${l}list`)}</option>`)}</select>
        <input name="group" placeholder="${t("group_hint")}" aria-label="${t("group")}" required maxlength="64">
        <button type="submit" class="primary">${t("create")}</button></form>
      ${LISTS.map((list) => this.table(list, people.filter((p) => p.list === list)))}`.toString();
  }

  table(list, people) {
    return html`<section class="card" data-list="${list}"><h2>${t(`${list}list`)}</h2>
      ${people.length === 0 ? html`<p class="empty">${t("nobody")}</p>` : html`
      <table class="people"><thead><tr><th>${t("person_name")}</th><th>${t("group")}</th><th>${t("photos")}</th><th></th></tr></thead>
      <tbody>${people.map((p) => html`<tr data-person-id="${p.person_id}"><td>${p.name}</td><td>${p.group}</td>
        <td><span class="count" data-photos>${p.photos.length}</span>
          <label class="upload button">${t("add_photo")}<input type="file" accept="image/jpeg" data-person="${p.person_id}"></label></td>
        <td><button data-action="remove" data-id="${p.person_id}">${t("remove")}</button></td></tr>`)}</tbody></table>`}</section>`;
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
    if (btn) this.attempt(() => api("DELETE", `/api/people/${encodeURIComponent(btn.dataset.id)}`));
  }

  onUpload(e) {
    const file = e.target.files?.[0];
    if (!file) return;
    e.target.closest("label").classList.add("busy");
    this.attempt(() => api("POST", `/api/people/${encodeURIComponent(e.target.dataset.person)}/photos`, file, "image/jpeg"));
  }
}

customElements.define("page-people", PeoplePage);
