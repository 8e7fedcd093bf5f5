// Admin: users and roles, API tokens, the audit log.
import { api } from "../lib/api.js";
import { html, fmtTime, formData } from "../lib/html.js";
import { t, roleName } from "../lib/i18n.js";

const ROLES = ["admin", "guard", "police", "viewer"];

class AdminPage extends HTMLElement {
  connectedCallback() {
    this.notice = "";
    this.error = "";
    this.auditCursor = null;
    this.auditUser = "";
    this.addEventListener("submit", (e) => this.onSubmit(e));
    this.addEventListener("click", (e) => this.onClick(e));
    this.addEventListener("change", (e) => this.onChange(e));
    this.load();
  }

  async load() {
    const [users, tokens, audit] = await Promise.all([
      api("GET", "/api/users"), api("GET", "/api/tokens"), this.audit()]);
    this.innerHTML = html`
      <p class="error" role="alert">${this.error}</p>
      ${this.notice ? html`<p class="notice">${t("token_once")}<br><code>${this.notice}</code></p>` : ""}
      <section class="card"><h2>${t("users")}</h2>
        <table><thead><tr><th>${t("name")}</th><th>${t("display_name")}</th><th>${t("role")}</th><th></th></tr></thead>
        <tbody>${users.map((u) => html`<tr class="${u.disabled ? "down" : ""}"><td>${u.name}</td><td>${u.display_name}</td>
          <td><select data-role-of="${u.name}">${ROLES.map((r) => html`<option value="${r}" ${r === u.role ? "selected" : ""}>${roleName(r)}</option>`)}</select></td>
          <td><button data-action="${u.disabled ? "enable" : "disable"}" data-name="${u.name}">${u.disabled ? t("enable") : t("disable")}</button></td></tr>`)}</tbody></table>
        <form class="inline" data-form="user"><input name="name" placeholder="${t("name")}" required pattern="[A-Za-z0-9_.@-]+">
          <input name="display_name" placeholder="${t("display_name")}"><select name="role">${ROLES.map((r) => html`<option value="${r}">${roleName(r)}</option>`)}</select>
          <input name="password" type="password" placeholder="${t("password")}" minlength="8" required autocomplete="new-password">
          <button type="submit">${t("create")}</button></form></section>
      <section class="card"><h2>${t("tokens")}</h2>
        <table><thead><tr><th>${t("item_name")}</th><th>${t("user")}</th><th>${t("created")}</th><th></th></tr></thead>
        <tbody>${tokens.map((k) => html`<tr class="${k.revoked_at ? "down" : ""}"><td>${k.name}</td><td>${k.user}</td><td>${k.created_at.slice(0, 19).replace("T", " ")}</td>
          <td>${k.revoked_at ? t("revoked") : html`<button data-action="revoke" data-id="${k.id}">${t("revoke")}</button>`}</td></tr>`)}</tbody></table>
        <form class="inline" data-form="token"><input name="name" placeholder="${t("item_name")}" required>
          <select name="user">${users.map((u) => html`<option>${u.name}</option>`)}</select><button type="submit">${t("create")}</button></form></section>
      <section class="card"><h2>${t("audit")}</h2>
        <form class="inline" data-form="audit"><input name="user" placeholder="${t("user")}" value="${this.auditUser}"><button type="submit">${t("search")}</button></form>
        <table class="audit"><thead><tr><th>${t("time")}</th><th>${t("user")}</th><th>${t("action")}</th><th>${t("target")}</th></tr></thead>
        <tbody data-audit>${auditRows(audit.items)}</tbody></table>
        ${audit.next_cursor ? html`<button data-action="more">${t("more")}</button>` : ""}</section>`.toString();
    this.auditCursor = audit.next_cursor;
  }

  async audit(cursor = null) {
    const params = new URLSearchParams({ limit: "50" });
    if (cursor) params.set("cursor", cursor);
    if (this.auditUser) params.set("user", this.auditUser);
    return api("GET", `/api/audit?${params}`);
  }

  async onSubmit(e) {
    e.preventDefault();
    const form = e.target.dataset.form;
    const data = formData(e.target);
    await this.attempt(async () => {
      if (form === "user") await api("POST", "/api/users", data);
      if (form === "token") this.notice = (await api("POST", "/api/tokens", data)).token;
      if (form === "audit") this.auditUser = data.user;
    });
  }

  async onClick(e) {
    const btn = e.target.closest("[data-action]");
    if (!btn) return;
    const action = btn.dataset.action;
    if (action === "more") {
      const page = await this.audit(this.auditCursor);
      this.querySelector("[data-audit]").insertAdjacentHTML("beforeend", auditRows(page.items).toString());
      this.auditCursor = page.next_cursor;
      if (!page.next_cursor) btn.remove();
      return;
    }
    await this.attempt(async () => {
      if (action === "revoke") await api("DELETE", `/api/tokens/${btn.dataset.id}`);
      if (action === "disable" || action === "enable") {
        await api("PATCH", `/api/users/${encodeURIComponent(btn.dataset.name)}`, { disabled: action === "disable" });
      }
    });
  }

  async onChange(e) {
    const name = e.target.dataset.roleOf;
    if (!name) return;
    await this.attempt(() => api("PATCH", `/api/users/${encodeURIComponent(name)}`, { role: e.target.value }));
  }

  async attempt(fn) {
    this.notice = "";
    try {
      await fn();
      this.error = "";
    } catch (err) {
      this.error = [err.message, ...(err.fields || [])].join(" · ");
    }
    await this.load();
  }
}

function auditRows(items) {
  return html`${items.map((a) => html`<tr><td>${fmtTime(a.time)}</td><td>${a.user}</td><td>${a.action}</td><td>${a.target || ""}</td></tr>`)}`;
}

customElements.define("page-admin", AdminPage);
