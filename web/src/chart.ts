// The market chart, plain SVG: one point per year, filled when the report states it and hollow when
// the service derived it, each with a bar over the interval where its true value may lie (an open
// side, as of an upper bound, drawn as an arrow to the edge), and the stated values labelled.
import type { Observation } from "@llmarket/client/forecast/v2";
import { figureValue, isDerived, observationValue } from "./format.js";
import { type Lang, t } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 720;
const HEIGHT = 500;
/** Height of the strip of relative ranges under the axis. */
const STRIP = 100;
const MARGIN = { top: 24, right: 44, bottom: 92 + STRIP + 20, left: 64 };
const STATED = "#1f5fa8";
const DERIVED = "#c0641a";

function el(name: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The central value of a point. */
function valueOf(p: Observation): number {
  return figureValue(p.value);
}

/** The low and high ends of a point's interval, an open side as ∓∞; the value when it has none. */
function endsOf(p: Observation): [number, number] {
  const i = p.value?.interval;
  return i === undefined ? [valueOf(p), valueOf(p)] : [i.low ?? -Infinity, i.high ?? Infinity];
}

/** A round step for about `count` ticks up to `max`. */
function tickStep(max: number, count: number): number {
  const raw = max > 0 && Number.isFinite(max) ? max / count : 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  return step ?? 10 * power;
}

/** The chart of `points` (one series, one unit), labelled in `lang`; `unit` names the y axis. */
export function marketChart(lang: Lang, points: Observation[], unit: string): SVGSVGElement {
  const svg = el("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    class: "chart",
    "aria-label": t(lang, "chartCaption"),
  }) as SVGSVGElement;
  if (points.length === 0) return svg;
  const years = points.map((p) => p.year);
  const first = Math.min(...years);
  const last = Math.max(...years);
  const highs = points.map((p) => (Number.isFinite(endsOf(p)[1]) ? endsOf(p)[1] : valueOf(p)));
  const step = tickStep(Math.max(...highs, ...points.map(valueOf)), 5);
  const top = Math.ceil(Math.max(...highs) / step) * step;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (year: number) => MARGIN.left + (last === first ? plotW / 2 : ((year - first) / (last - first)) * plotW);
  const y = (value: number) => MARGIN.top + plotH - (Math.max(0, Math.min(value, top)) / top) * plotH;

  // Grid and y axis.
  for (let v = 0; v <= top + step / 2; v += step) {
    svg.append(el("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(el("text", { x: MARGIN.left - 8, y: y(v) + 4, "text-anchor": "end", class: "tick" }, String(Number(v.toFixed(6)))));
  }
  svg.append(el("text", { x: 14, y: MARGIN.top + plotH / 2, transform: `rotate(-90 14 ${MARGIN.top + plotH / 2})`, "text-anchor": "middle", class: "axis" }, unit));
  for (const year of years) {
    svg.append(el("text", { x: x(year), y: MARGIN.top + plotH + 20, "text-anchor": "middle", class: "tick" }, String(year)));
  }

  // The line through every point, dashed where a derived point is involved.
  const sorted = [...points].sort((a, b) => a.year - b.year);
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1], sorted[i]];
    const dashed = isDerived(a) || isDerived(b);
    svg.append(el("line", { x1: x(a.year), y1: y(valueOf(a)), x2: x(b.year), y2: y(valueOf(b)), class: dashed ? "link derived" : "link" }));
  }

  // Interval bars at true scale (where the rounding is finer than a pixel they hide behind the
  // point; the strip below shows them magnified), an open side drawn as an arrow to the edge.
  for (const p of sorted) {
    const colour = isDerived(p) ? DERIVED : STATED;
    const [low, high] = endsOf(p);
    const group = el("g", { class: "bound", "data-year": p.year, "data-low": low, "data-high": high });
    const [yHigh, yLow] = [y(Number.isFinite(high) ? high : top), y(Number.isFinite(low) ? low : 0)];
    group.append(el("line", { x1: x(p.year), x2: x(p.year), y1: yHigh, y2: yLow, stroke: colour, "stroke-width": 2 }));
    for (const [at, open, dir] of [[yHigh, !Number.isFinite(high), -1], [yLow, !Number.isFinite(low), 1]] as const) {
      group.append(
        open
          ? el("path", { d: `M${x(p.year) - 5} ${at - dir * 6} L${x(p.year)} ${at} L${x(p.year) + 5} ${at - dir * 6}`, fill: "none", stroke: colour, "stroke-width": 2 })
          : el("line", { x1: x(p.year) - 6, x2: x(p.year) + 6, y1: at, y2: at, stroke: colour, "stroke-width": 2 }),
      );
    }
    svg.append(group);
  }
  rangeStrip(svg, lang, sorted, x, MARGIN.top + plotH + 42);
  for (const p of sorted) {
    const derived = isDerived(p);
    const dot = el("circle", {
      cx: x(p.year),
      cy: y(valueOf(p)),
      r: derived ? 5 : 6,
      fill: derived ? "#fff" : STATED,
      stroke: derived ? DERIVED : STATED,
      "stroke-width": 2.5,
      class: derived ? "point derived" : "point stated",
      "data-year": p.year,
    });
    dot.append(el("title", {}, `${p.year}: ${observationValue(p)}`));
    svg.append(dot);
    if (!derived) {
      svg.append(el("text", { x: x(p.year) + (p.year === last ? -10 : 10), y: y(valueOf(p)) - 12, "text-anchor": p.year === last ? "end" : "start", class: "label" }, observationValue(p)));
    }
  }

  // Legend under the axis.
  const ly = HEIGHT - 36;
  const legend = el("g", { class: "legend" });
  legend.append(el("circle", { cx: MARGIN.left + 6, cy: ly, r: 6, fill: STATED }));
  legend.append(el("text", { x: MARGIN.left + 18, y: ly + 4 }, t(lang, "chartStated")));
  legend.append(el("circle", { cx: MARGIN.left + 6, cy: ly + 22, r: 5, fill: "#fff", stroke: DERIVED, "stroke-width": 2.5 }));
  legend.append(el("text", { x: MARGIN.left + 18, y: ly + 26 }, `${t(lang, "chartDerived")} *`));
  const bx = MARGIN.left + plotW / 2 + 40;
  legend.append(el("line", { x1: bx, x2: bx, y1: ly - 8, y2: ly + 8, stroke: "#555", "stroke-width": 2 }));
  legend.append(el("line", { x1: bx - 6, x2: bx + 6, y1: ly - 8, y2: ly - 8, stroke: "#555", "stroke-width": 2 }));
  legend.append(el("line", { x1: bx - 6, x2: bx + 6, y1: ly + 8, y2: ly + 8, stroke: "#555", "stroke-width": 2 }));
  legend.append(el("text", { x: bx + 14, y: ly + 4 }, t(lang, "chartInterval")));
  svg.append(legend);
  return svg;
}

/** Half the width of `p`'s interval relative to its value (0.005 = ±0.5 %); infinite when open. */
function relativeHalfWidth(p: Observation): number {
  const value = valueOf(p);
  if (p.value?.interval === undefined || value === 0) return 0;
  const [low, high] = endsOf(p);
  return Math.max(value - low, high - value) / Math.abs(value);
}

/** A strip under the axis: per year, the possible range as ± % of the value, magnified so that
 * rounding ranges finer than a pixel of the main chart are seen; dashed when its width is unknown. */
function rangeStrip(svg: SVGElement, lang: Lang, points: Observation[], x: (year: number) => number, top: number): void {
  const mid = top + STRIP / 2 + 8;
  const finite = points.map(relativeHalfWidth).filter((w) => Number.isFinite(w));
  const widest = Math.max(...finite, 1e-9);
  svg.append(el("text", { x: MARGIN.left, y: top, class: "axis" }, `${t(lang, "chartRange")}`));
  svg.append(el("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: mid, y2: mid, class: "grid" }));
  for (const p of points) {
    const colour = isDerived(p) ? DERIVED : STATED;
    const w = relativeHalfWidth(p);
    const half = Number.isFinite(w) ? Math.max(1, (w / widest) * (STRIP / 2 - 18)) : STRIP / 2 - 14;
    const group = el("g", { class: "range", "data-year": p.year });
    group.append(
      el("rect", {
        x: x(p.year) - 7,
        y: mid - half,
        width: 14,
        height: 2 * half,
        fill: isDerived(p) ? "#fff" : colour,
        stroke: colour,
        "stroke-width": 1.5,
        "stroke-dasharray": p.value?.interval?.widthUnknown ? "3 2" : "none",
      }),
    );
    const label = Number.isFinite(w) ? `±${(w * 100).toFixed(w < 0.001 ? 3 : 2)}%` : "∞";
    group.append(el("text", { x: x(p.year), y: mid + half + 13, "text-anchor": "middle", class: "tick" }, p.value?.interval?.widthUnknown ? `${label}?` : label));
    svg.append(group);
  }
}
