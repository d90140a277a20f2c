// The market overview: the chart and table of the market size (stated and derived values, each
// with its provenance, qualifier, kind and interval), the CAGR computed beside the one stated, and
// the breakdown into components.
import { type Observation, Provenance } from "@llmarket/client/forecast/v2";
import { marketChart } from "./chart.js";
import type { Numbers } from "./data.js";
import { h } from "./dom.js";
import {
  estimatePercent,
  figureValue,
  growthMethodWords,
  intervalWords,
  isDerived,
  kindWords,
  methodWords,
  number,
  observationValue,
  percent,
  provenanceWords,
  qualifierWords,
  statedRateValue,
  unitWords,
} from "./format.js";
import { label, type Lang, paren, t } from "./i18n.js";
import { textIn } from "./text.js";

/** A value with its provenance marked: `data-provenance` is `stated` or `derived`. */
export function valueOf(lang: Lang, o: Observation): HTMLElement {
  const derived = isDerived(o);
  return h(
    "span",
    {
      class: derived ? "value derived" : "value stated",
      "data-provenance": derived ? "derived" : "stated",
      "data-year": o.year,
      title: derived ? methodWords(lang, o) : o.quote,
    },
    observationValue(o),
  );
}

/** Stated or derived, then qualifier and kind, as a badge. */
export function badgeOf(lang: Lang, o: Observation): HTMLElement {
  const derived = isDerived(o);
  const qualifier = o.value?.qualifier ?? 0;
  const words = [provenanceWords(lang, o.provenance), qualifierWords(lang, qualifier), kindWords(lang, o.kind)];
  if (o.pastHorizon) words.push(t(lang, "pastHorizon"));
  return h("span", { class: derived ? "badge derived" : "badge stated", "data-qualifier": qualifierWords("en", qualifier) }, words.join(" · "));
}

/** The market section: chart, values table, growth and breakdown. */
export function overviewSection(lang: Lang, n: Numbers): HTMLElement {
  const unit = unitWords(lang, n.series.unit);
  const points = n.observations.length > 0 ? n.observations : n.series.observations;
  return h(
    "section",
    { id: "overview" },
    h("h2", {}, t(lang, "overview")),
    h("h3", {}, `${textIn(lang, n.series.titles)}${paren(lang, unit)}`),
    h("figure", {}, marketChart(lang, points, unit), h("figcaption", {}, t(lang, "chartCaption"))),
    valuesTable(lang, points, unit),
    h("p", { class: "note" }, t(lang, "derivedNote")),
    growthBlock(lang, n),
    breakdownBlock(lang, n),
  );
}

function valuesTable(lang: Lang, points: Observation[], unit: string): HTMLElement {
  const head = h(
    "tr",
    {},
    ...[t(lang, "year"), `${t(lang, "value")}${paren(lang, unit)}`, t(lang, "basis"), t(lang, "interval"), `${t(lang, "source")} / ${t(lang, "method")}`].map((c) => h("th", {}, c)),
  );
  const rows = points.map((o) =>
    h(
      "tr",
      { class: isDerived(o) ? "derived" : "stated", "data-year": o.year },
      h("td", {}, o.year),
      h("td", { class: "num" }, valueOf(lang, o)),
      h("td", {}, badgeOf(lang, o)),
      h("td", { class: "num" }, intervalWords(lang, o.value?.interval)),
      h("td", { class: "small" }, o.provenance === Provenance.REPORTED ? `${t(lang, "section")}${o.source}${o.notes.length > 0 ? ` — ${textIn(lang, o.notes)}` : ""}` : methodWords(lang, o)),
    ),
  );
  return h("table", { id: "market-values" }, h("thead", {}, head), h("tbody", {}, ...rows));
}

function growthBlock(lang: Lang, n: Numbers): HTMLElement {
  const g = n.growth;
  const rate = g.statedRate;
  const span = `${g.start?.year ?? "?"}–${g.end?.year ?? "?"}`;
  const computed = h(
    "div",
    { class: "card derived", id: "cagr-computed" },
    h("div", { class: "card-title" }, `${t(lang, "cagrComputed")} ${span}`),
    h("div", { class: "big value derived", "data-provenance": "derived" }, estimatePercent(lang, g.cagr)),
    h("div", { class: "badge derived" }, t(lang, "derived")),
    h("div", { class: "small" }, `${t(lang, "interval")}${paren(lang, t(lang, "withinRounding"))}${t(lang, "colon")}[${percent(g.cagr?.interval?.low ?? -Infinity, 2)}, ${percent(g.cagr?.interval?.high ?? Infinity, 2)}]`),
    h("div", { class: "small" }, `${label(lang, "multiple")}${number(figureValue(g.multiple))}* · ${g.years} ${t(lang, "years")}`),
    h("div", { class: "small" }, growthMethodWords(lang, g)),
  );
  const stated = rate
    ? h(
        "div",
        { class: "card stated", id: "cagr-stated" },
        h("div", { class: "card-title" }, `${t(lang, "cagrStated")} ${rate.startYear}–${rate.endYear}`),
        h("div", { class: "big value stated", "data-provenance": "stated" }, statedRateValue(rate)),
        h("div", { class: "badge stated", "data-qualifier": qualifierWords("en", rate.value?.qualifier ?? 0) }, [t(lang, "stated"), qualifierWords(lang, rate.value?.qualifier ?? 0), kindWords(lang, rate.kind)].join(" · ")),
        h("div", { class: "small" }, `${t(lang, "section")}${rate.source}${rate.quote ? ` — “${rate.quote}”` : ""}`),
      )
    : h("div", { class: "card" }, t(lang, "noStatedRate"));
  const verdict = rate ? h("p", { class: g.agreesWithStated ? "check ok" : "check bad" }, t(lang, g.agreesWithStated ? "agrees" : "disagrees")) : null;
  return h("div", { id: "growth" }, h("h3", {}, t(lang, "growth")), h("div", { class: "cards" }, computed, stated), verdict);
}

function breakdownBlock(lang: Lang, n: Numbers): HTMLElement {
  const b = n.breakdown;
  const unit = unitWords(lang, n.series.unit);
  const rows = b.components.map((c) =>
    h(
      "tr",
      { "data-series": c.series },
      h("td", {}, textIn(lang, c.titles)),
      h("td", { class: "num" }, c.value ? valueOf(lang, c.value) : ""),
      h("td", {}, c.value ? badgeOf(lang, c.value) : ""),
      h(
        "td",
        { class: "num" },
        h("span", { class: "value derived", "data-provenance": "derived" }, estimatePercent(lang, c.share)),
        h("span", { class: "bar", style: `width:${Math.max(0, Math.min(1, c.share?.value ?? 0)) * 120}px` }),
      ),
    ),
  );
  const total = b.total
    ? h("tr", { class: "total" }, h("td", {}, t(lang, "total")), h("td", { class: "num" }, valueOf(lang, b.total)), h("td", {}, badgeOf(lang, b.total)), h("td", { class: "num" }, "100%"))
    : null;
  return h(
    "div",
    { id: "breakdown" },
    h("h3", {}, `${t(lang, "breakdown")} ${b.year}${paren(lang, unit)}`),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, ...[t(lang, "component"), t(lang, "value"), t(lang, "basis"), `${t(lang, "share")}${paren(lang, t(lang, "derived"))}`].map((c) => h("th", {}, c)))),
      h("tbody", {}, ...rows, total),
    ),
    h(
      "p",
      { class: "small" },
      `${label(lang, "sum")}${number(figureValue(b.componentsSum))}* · ${label(lang, "residual")}${number(figureValue(b.residual))}* ${intervalWords(lang, b.residual?.interval)}`,
    ),
    h("p", { class: b.componentsAddUp ? "check ok" : "check bad" }, t(lang, b.componentsAddUp ? "addUp" : "doNotAddUp")),
  );
}
