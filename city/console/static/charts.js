// Plain SVG charts (no library, no build step): bars and stacked bars.
const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const COLORS = ["#c62828", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#546e7a"];

export function barChart(pairs, max = null) {
  const w = 420, h = 180, pad = 28;
  const top = max || Math.max(1, ...pairs.map((p) => p[1]));
  const bw = pairs.length ? (w - pad) / pairs.length : 0;
  const bars = pairs.map(([label, value], i) => {
    const bh = ((h - pad) * value) / top;
    return `<g><rect x="${pad + i * bw + 2}" y="${h - pad - bh}" width="${Math.max(1, bw - 4)}" height="${bh}" fill="#1565c0"><title>${esc(label)}: ${value}</title></rect>
      <text x="${pad + i * bw + bw / 2}" y="${h - pad + 12}" font-size="9" text-anchor="middle">${esc(String(label).slice(0, 10))}</text>
      <text x="${pad + i * bw + bw / 2}" y="${h - pad - bh - 2}" font-size="9" text-anchor="middle">${value}</text></g>`;
  }).join("");
  return `<svg class="chart" viewBox="0 0 ${w} ${h}" role="img"><line x1="${pad}" y1="${h - pad}" x2="${w}" y2="${h - pad}" stroke="#999"/>${bars}</svg>`;
}

export function stackedBars(days) {
  const w = 420, h = 180, pad = 28;
  const cats = [...new Set(days.flatMap((d) => Object.keys(d.categories)))].sort();
  const top = Math.max(1, ...days.map((d) => Object.values(d.categories).reduce((a, b) => a + b, 0)));
  const bw = days.length ? (w - pad) / days.length : 0;
  const bars = days.map((d, i) => {
    let y = h - pad;
    const parts = cats.map((c, k) => {
      const v = d.categories[c] || 0; const bh = ((h - pad) * v) / top; y -= bh;
      return v ? `<rect x="${pad + i * bw + 2}" y="${y}" width="${Math.max(1, bw - 4)}" height="${bh}" fill="${COLORS[k % COLORS.length]}"><title>${esc(d.day)} ${esc(c)}: ${v}</title></rect>` : "";
    }).join("");
    return `${parts}<text x="${pad + i * bw + bw / 2}" y="${h - pad + 12}" font-size="9" text-anchor="middle">${esc(d.day.slice(5))}</text>`;
  }).join("");
  const legend = cats.map((c, k) => `<text x="${pad + k * 80}" y="10" font-size="9" fill="${COLORS[k % COLORS.length]}">■ ${esc(c)}</text>`).join("");
  return `<svg class="chart" viewBox="0 0 ${w} ${h}" role="img">${legend}<line x1="${pad}" y1="${h - pad}" x2="${w}" y2="${h - pad}" stroke="#999"/>${bars}</svg>`;
}
