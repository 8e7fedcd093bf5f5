// The city console: schools, alarm wall, incidents, broadcast, reports. No build step.
import { t, getLang, setLang, translateStatic } from "/static/i18n.js";
import { barChart, stackedBars } from "/static/charts.js";

let csrf = null;
let me = null;
const alarms = new Map(); // key school/id -> incident, until acknowledged
let audio = null;

const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const when = (s) => (s ? new Date(s * 1000).toLocaleString(getLang() === "zh" ? "zh-CN" : "en-GB") : "–");
const main = () => document.getElementById("main");
const pct = (v) => (v === null || v === undefined ? "–" : `${v}%`);

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  const resp = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await resp.json().catch(() => null);
  if (resp.status === 401 && !path.endsWith("/login")) { showLogin(); throw new Error("logged out"); }
  if (!resp.ok) throw new Error((data && data.message) || `HTTP ${resp.status}`);
  return data;
}

function showLogin(error) {
  document.getElementById("nav").hidden = true;
  document.getElementById("logout").hidden = true;
  main().innerHTML = `<form id="login" class="card"><h2>${t("login")}</h2>
    <label>${t("username")} <input name="username" autocomplete="username" required></label>
    <label>${t("password")} <input name="password" type="password" autocomplete="current-password" required></label>
    <button>${t("login")}</button><p class="error">${error ? esc(t("wrong_login")) : ""}</p></form>`;
  document.getElementById("login").onsubmit = async (ev) => {
    ev.preventDefault();
    const form = new FormData(ev.target);
    try {
      const out = await api("POST", "/api/login", { username: form.get("username"), password: form.get("password") });
      csrf = out.csrf_token; me = out.user; start();
    } catch { showLogin(true); }
  };
}

// -- the alarm wall ---------------------------------------------------------------------
function beep() {
  if (!audio) audio = new AudioContext();
  const osc = audio.createOscillator(); const gain = audio.createGain();
  osc.frequency.value = 880; gain.gain.value = 0.2;
  osc.connect(gain).connect(audio.destination); osc.start(); osc.stop(audio.currentTime + 0.3);
}
setInterval(() => { if (alarms.size) { try { beep(); } catch { /* no audio device */ } } }, 1000);

function renderAlarms() {
  const wall = document.getElementById("alarms");
  wall.dataset.sounding = alarms.size ? "yes" : "no";
  wall.innerHTML = [...alarms.values()].map((i) => `<article class="alarm" data-school="${esc(i.school)}" data-id="${esc(i.id)}">
    <strong>${t("alarm")}: ${esc(t(i.category))}</strong> <span class="school">${esc(i.school_name)}</span>
    <span>${t("gate")}: ${esc(i.gate || "–")}</span> <span>${when(i.created_at)}</span>
    ${i.snapshots.length ? `<img src="${esc(i.snapshots[0])}" alt="snapshot">` : ""}
    ${i.live_view_url ? `<a href="${esc(i.live_view_url)}" target="_blank" rel="noopener">${t("live_view")}</a>` : ""}
    ${me.role !== "viewer" ? `<button class="ack">${t("acknowledge")}</button>` : ""}</article>`).join("");
  wall.querySelectorAll("button.ack").forEach((b) => {
    b.onclick = async () => {
      const card = b.closest("article");
      await api("POST", `/api/incidents/${card.dataset.school}/${card.dataset.id}/steps`, { action: "acknowledge" });
      alarms.delete(`${card.dataset.school}/${card.dataset.id}`); renderAlarms();
    };
  });
}

function connectLive() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/live`);
  ws.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.type === "alarm") { alarms.set(`${msg.incident.school}/${msg.incident.id}`, msg.incident); renderAlarms(); }
    if (msg.type === "incident" && msg.incident.status !== "raised") { alarms.delete(`${msg.incident.school}/${msg.incident.id}`); renderAlarms(); }
    if (msg.type === "school") {
      const cell = document.querySelector(`tr[data-school="${CSS.escape(msg.school)}"] .link`);
      if (cell) { cell.textContent = t(msg.online ? "online" : "offline"); cell.className = `link ${msg.online ? "on" : "off"}`; }
    }
    if (msg.type === "incident" || msg.type === "alarm" || msg.type === "ack") route(true);
  };
  ws.onclose = () => setTimeout(connectLive, 2000);
}

// -- pages ------------------------------------------------------------------------------
function duty(ok, label, extra = "") {
  const cls = ok === true ? "on" : ok === false ? "off" : "unknown";
  return `<span class="duty ${cls}" title="${esc(label)}">${esc(label)}${extra}</span>`;
}

async function schoolsPage() {
  const { schools } = await api("GET", "/api/schools");
  main().innerHTML = `<table class="schools"><thead><tr><th>${t("school")}</th><th>${t("district")}</th>
    <th>${t("status")}</th><th>${t("last_heartbeat")}</th><th>${t("open_incidents")}</th><th>${t("duties")}</th></tr></thead><tbody>
    ${schools.map((s) => `<tr data-school="${esc(s.id)}"><td>${esc(s.name)}</td><td>${esc(s.district)}</td>
      <td class="link ${s.online ? "on" : "off"}">${t(s.online ? "online" : "offline")}</td>
      <td>${when(s.last_heartbeat_at)}</td><td>${s.open_incidents}</td>
      <td>${Object.entries(s.gates).map(([gate, d]) => `<div class="gate"><b>${esc(gate)}</b>
        ${duty(d.panic?.online, t("duty_panic"), d.panic?.last_test_at ? ` (${t("last_test")} ${esc(d.panic.last_test_at.slice(0, 10))})` : "")}
        ${duty(d.guard_on_post, t("duty_guard"))}
        ${duty(d.cameras ? d.cameras.online === d.cameras.total : null, t("duty_cameras"), d.cameras ? ` ${d.cameras.online}/${d.cameras.total}` : "")}
        ${duty(d.speaker?.online, t("duty_speaker"))}${duty(d.recognition?.running, t("duty_recognition"))}</div>`).join("") || "–"}</td></tr>`).join("")}
    </tbody></table>`;
}

async function incidentsPage(param) {
  const { incidents } = await api("GET", "/api/incidents");
  let detail = "";
  if (param) {
    const [school, id] = param.split("/");
    const inc = await api("GET", `/api/incidents/${school}/${id}`);
    detail = `<section class="card detail"><h3>${esc(inc.school_name)} · ${esc(t(inc.category))} · ${esc(t(inc.status))}</h3>
      <p>${esc(inc.message)}</p>${inc.live_view_url ? `<a href="${esc(inc.live_view_url)}" target="_blank" rel="noopener">${t("live_view")}</a>` : ""}
      <h4>${t("timeline")}</h4><ol class="timeline">${inc.steps.map((s) => `<li>${when(s.at)} <b>${esc(t(s.action))}</b> ${esc(s.actor)} ${esc(s.note)}</li>`).join("")}</ol>
      ${me.role !== "viewer" ? `<div class="actions"><button data-a="acknowledge">${t("acknowledge")}</button>
      <button data-a="dispatch">${t("dispatch")}</button><input id="note" placeholder="${t("note")}"><button data-a="note">${t("note")}</button></div>` : ""}</section>`;
  }
  main().innerHTML = `${detail}<table class="incidents"><thead><tr><th>${t("time")}</th><th>${t("school")}</th><th>${t("category")}</th>
    <th>${t("priority")}</th><th>${t("status")}</th><th>${t("gate")}</th></tr></thead><tbody>
    ${incidents.map((i) => `<tr><td><a href="#incidents/${esc(i.school)}/${esc(i.id)}">${when(i.created_at)}</a></td><td>${esc(i.school_name)}</td>
      <td>${esc(t(i.category))}</td><td>${i.priority}</td><td>${esc(t(i.status))}</td><td>${esc(i.gate || "")}</td></tr>`).join("")}</tbody></table>`;
  main().querySelectorAll(".actions button").forEach((b) => {
    b.onclick = async () => {
      const [school, id] = param.split("/");
      await api("POST", `/api/incidents/${school}/${id}/steps`, { action: b.dataset.a, note: document.getElementById("note").value });
      b.textContent = `${b.textContent} ✓`;
    };
  });
}

async function broadcastPage(param) {
  const status = param ? await api("GET", `/api/commands/${param}`) : null;
  main().innerHTML = `<form id="bc" class="card"><label>${t("scope")} <select name="scope">
      <option value="school">${t("one_school")}</option><option value="district">${t("one_district")}</option><option value="all">${t("all_schools")}</option></select></label>
    <label>${t("target")} <input name="target"></label><label>${t("text")} <input name="text" required></label>
    <button>${t("send")}</button><p class="error"></p></form>
    ${status ? `<h3>${t("acks")}</h3><table class="acks"><tbody>${status.deliveries.map((d) => `<tr data-school="${esc(d.school)}"><td>${esc(d.name)}</td>
      <td>${d.acked_at ? (d.ok ? t("ok") : `${t("failed")}: ${esc(d.error)}`) : d.error ? `${t("failed")}: ${esc(d.error)}` : t("waiting")}</td><td>${when(d.acked_at)}</td></tr>`).join("")}</tbody></table>` : ""}`;
  document.getElementById("bc").onsubmit = async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    try {
      const out = await api("POST", "/api/broadcasts", { scope: f.get("scope"), target: f.get("target") || null, text: f.get("text") });
      location.hash = `#broadcast/${out.command}`;
    } catch (err) { ev.target.querySelector(".error").textContent = err.message; }
  };
}

async function reportsPage() {
  const q = new URLSearchParams(location.hash.split("?")[1] || "");
  const report = await api("GET", `/api/reports/daily?${q}`);
  main().innerHTML = `<form id="rep" class="card"><label>${t("first_day")} <input type="date" name="first" value="${report.first}"></label>
    <label>${t("last_day")} <input type="date" name="last" value="${report.last}"></label><button>${t("show")}</button>
    <a href="/api/reports/daily?${q}&format=csv" download>${t("csv")}</a></form>
    <div class="charts"><figure><figcaption>${t("per_day")}</figcaption>${stackedBars(report.per_day)}</figure>
    <figure><figcaption>${t("tta")}</figcaption>${barChart(report.tta_histogram.map((b) => [b.bucket, b.count]))}</figure>
    <figure><figcaption>${t("availability")} %</figcaption>${barChart(report.schools.map((s) => [s.name, s.availability]), 100)}</figure>
    <figure><figcaption>${t("device_availability")} %</figcaption>${barChart(report.schools.map((s) => [s.name, s.device_availability ?? 0]), 100)}</figure></div>
    <table class="report"><thead><tr><th>${t("district")}</th><th>${t("school")}</th><th>${t("incidents")}</th><th>${t("panics")}</th>
    <th>${t("panic_tests")}</th><th>${t("off_post")}</th><th>${t("tta_median")}</th><th>${t("availability")}</th><th>${t("device_availability")}</th></tr></thead><tbody>
    ${report.schools.map((s) => `<tr><td>${esc(s.district)}</td><td>${esc(s.name)}</td><td>${s.incidents}</td><td>${s.panics}</td><td>${s.panic_tests}</td>
      <td>${s.off_post}</td><td>${s.tta_median === null ? "–" : s.tta_median.toFixed(1)}</td><td>${s.availability}%</td><td>${pct(s.device_availability)}</td></tr>`).join("")}
    ${report.districts.map((d) => `<tr class="district"><td>${esc(d.district)}</td><td>(${d.schools})</td><td>${d.incidents}</td><td>${d.panics}</td>
      <td>${d.panic_tests}</td><td>${d.off_post}</td><td>–</td><td>${d.availability}%</td><td>${pct(d.device_availability)}</td></tr>`).join("")}</tbody></table>`;
  document.getElementById("rep").onsubmit = (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    location.hash = `#reports?first=${f.get("first")}&last=${f.get("last")}`;
  };
}

const PAGES = { schools: schoolsPage, incidents: incidentsPage, broadcast: broadcastPage, reports: reportsPage };
let routing = false;

async function route(quiet = false) {
  if (!me || (quiet && routing)) return;
  const [name, ...rest] = (location.hash.slice(1).split("?")[0] || "schools").split("/");
  const page = PAGES[name] || schoolsPage;
  if (quiet && name === "broadcast" && !rest.length) return; // keep a half-typed form
  routing = true;
  try { await page(rest.join("/")); translateStatic(); } catch (err) { if (!quiet) main().innerHTML = `<p class="error">${esc(err.message)}</p>`; }
  routing = false;
}

async function start() {
  document.getElementById("nav").hidden = false;
  document.getElementById("logout").hidden = false;
  document.getElementById("who").textContent = `${me.username} (${me.role}${me.district ? ` · ${me.district}` : ""})`;
  const { incidents } = await api("GET", "/api/incidents?open=1");
  incidents.filter((i) => i.status === "raised" && (i.priority === 1 || i.category === "panic"))
    .forEach((i) => alarms.set(`${i.school}/${i.id}`, i));
  renderAlarms();
  connectLive();
  await route();
}

window.addEventListener("hashchange", () => route());
document.getElementById("lang").value = getLang();
document.getElementById("lang").onchange = (ev) => { setLang(ev.target.value); translateStatic(); renderAlarms(); route(); };
document.getElementById("logout").onclick = async () => { await api("POST", "/api/logout"); me = null; showLogin(); };
translateStatic();
api("GET", "/api/me").then((out) => { csrf = out.csrf_token; me = out.user; start(); }).catch(() => showLogin());
