// Safe HTML templates: every interpolated value is escaped unless it is itself html``.
import { t, language } from "./i18n.js";

class Safe {
  constructor(text) { this.text = text; }
  toString() { return this.text; }
}

const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ESC[c]);
}

function part(value) {
  if (value instanceof Safe) return value.text;
  if (Array.isArray(value)) return value.map(part).join("");
  if (value === false || value === null || value === undefined) return "";
  return esc(value);
}

export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => { out += part(value) + strings[i + 1]; });
  return new Safe(out);
}

export function raw(text) { return new Safe(text); }

export function fmtTime(seconds) {
  if (!seconds) return "–";
  const d = new Date(seconds * 1000);
  const now = new Date();
  const locale = language() === "zh" ? "zh-CN" : "en-GB";
  const time = d.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  if (d.toDateString() === now.toDateString()) return time;
  return `${d.toLocaleDateString(locale)} ${time}`;
}

export function ago(seconds) {
  if (!seconds) return "–";
  const s = Math.max(0, Math.round(Date.now() / 1000 - seconds));
  const sep = language() === "zh" ? "" : " ";
  if (s < 60) return `${s}${sep}${t("unit_s")}`;
  if (s < 3600) return `${Math.floor(s / 60)}${sep}${t("unit_m")}`;
  if (s < 86400) return `${Math.floor(s / 3600)}${sep}${t("unit_h")}`;
  return `${Math.floor(s / 86400)}${sep}${t("unit_d")}`;
}

// Re-render at most once per animation frame.
export function throttleFrame(fn) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; fn(); });
  };
}

export function formData(form) {
  const out = {};
  for (const [k, v] of new FormData(form).entries()) out[k] = typeof v === "string" ? v.trim() : v;
  return out;
}
