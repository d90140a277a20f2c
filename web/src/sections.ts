// What drives the market, where it is heading and what protects the leaders (concepts of three
// schemes, narrower ones nested, definitions folded); the milestone timeline (year by year, the market size beside the milestones of that year) and
// the capability ladder (L1–L5, the level the report calls current marked).
import type { Observation } from "@llmarket/client/forecast/v2";
import type { Concept, Milestone } from "@llmarket/client/taxonomy/v2";
import { CURRENT_LEVEL_ATTRIBUTE, type Words } from "./data.js";
import { h } from "./dom.js";
import { label, type Lang, t } from "./i18n.js";
import { badgeOf, valueOf } from "./overview.js";
import { textIn } from "./text.js";

/** The timeline; `points` is absent when the forecast service did not answer, `words` when the
 * taxonomy service did not. */
export function timelineSection(lang: Lang, points: Observation[] | undefined, words: Words | undefined): HTMLElement {
  const milestones = words?.milestones ?? [];
  const years = [...(points ?? []).map((p) => p.year), ...milestones.map((m) => m.year)];
  const rows: HTMLElement[] = [];
  if (years.length > 0) {
    for (let year = Math.min(...years); year <= Math.max(...years); year++) {
      const point = points?.find((p) => p.year === year);
      const those = milestones.filter((m) => m.year === year);
      rows.push(
        h(
          "tr",
          { "data-year": year },
          h("th", { scope: "row" }, year),
          h("td", { class: "num" }, point ? valueOf(lang, point) : points ? h("span", { class: "small" }, t(lang, "noMarketSize")) : ""),
          h("td", {}, point ? badgeOf(lang, point) : ""),
          h("td", {}, words === undefined ? "" : those.length === 0 ? t(lang, "noMilestones") : h("ul", { class: "milestones" }, ...those.map((m) => milestoneItem(lang, m)))),
        ),
      );
    }
  }
  return h(
    "section",
    { id: "timeline" },
    h("h2", {}, t(lang, "timeline")),
    words === undefined ? h("p", { class: "missing" }, t(lang, "missing")) : null,
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, ...[t(lang, "year"), t(lang, "marketSize"), t(lang, "basis"), t(lang, "milestones")].map((c) => h("th", {}, c)))),
      h("tbody", {}, ...rows),
    ),
  );
}

/** The English name of month `m` (1–12). */
function monthName(m: number): string {
  return new Intl.DateTimeFormat("en", { month: "long", timeZone: "UTC" }).format(Date.UTC(2000, m - 1, 1));
}

function milestoneItem(lang: Lang, m: Milestone): HTMLElement {
  const when = m.endOfYear ? t(lang, "endOfYear") : m.month !== undefined && m.month > 0 ? t(lang, "month", { m: String(m.month), name: monthName(m.month) }) : "";
  const description = textIn(lang, m.descriptions);
  return h(
    "li",
    { "data-milestone": m.name },
    when ? h("span", { class: "when" }, `${when} · `) : null,
    h("strong", {}, textIn(lang, m.titles)),
    description ? h("div", { class: "small" }, description) : null,
  );
}

/** The ladder, lowest level at the bottom; absent words leave the warning's note. */
export function ladderSection(lang: Lang, words: Words | undefined): HTMLElement {
  const section = h("section", { id: "ladder" }, h("h2", {}, t(lang, "ladder")));
  if (words === undefined) {
    section.append(h("p", { class: "missing" }, t(lang, "missing")));
    return section;
  }
  const current = words.levels.find((l) => l.attributes[CURRENT_LEVEL_ATTRIBUTE] !== undefined);
  const steps = [...words.levels].reverse().map((level) => {
    const position = level.attributes[CURRENT_LEVEL_ATTRIBUTE];
    const mark =
      position === undefined ? null : h("div", { class: "current-mark" }, position === "border" ? t(lang, "atTheBorder") : `${label(lang, "currentLevel")}${position}`);
    return h(
      "li",
      { class: position === undefined ? "level" : "level current", "data-level": level.notation, "aria-current": position === undefined ? undefined : "step" },
      h("span", { class: "notation" }, level.notation),
      h("div", { class: "level-text" }, h("strong", {}, textIn(lang, level.prefLabels)), mark, h("div", { class: "small" }, textIn(lang, level.definitions))),
    );
  });
  section.append(h("ol", { class: "ladder" }, ...steps));
  if (current === undefined) section.append(h("p", {}, t(lang, "noCurrentLevel")));
  return section;
}

/** Drivers, trends and barriers side by side; each concept's definition folded under its label. */
export function contextSection(lang: Lang, words: Words | undefined): HTMLElement {
  const section = h("section", { id: "context" }, h("h2", {}, t(lang, "context")));
  if (words === undefined) {
    section.append(h("p", { class: "missing" }, t(lang, "missing")));
    return section;
  }
  const titles = [t(lang, "drivers"), t(lang, "trends"), t(lang, "barriers")];
  const columns = words.context.map((concepts, i) => {
    const names = new Set(concepts.map((c) => c.name));
    const roots = concepts.filter((c) => !c.broader.some((b) => names.has(b)));
    return h("div", { class: "column" }, h("h3", {}, titles[i] ?? ""), conceptList(lang, concepts, roots));
  });
  section.append(h("div", { class: "columns" }, ...columns));
  return section;
}

function conceptList(lang: Lang, all: Concept[], these: Concept[]): HTMLElement {
  return h(
    "ul",
    { class: "concepts" },
    ...these.map((c) => {
      const narrower = all.filter((n) => n.broader.includes(c.name));
      return h(
        "li",
        { "data-concept": c.name },
        h("details", {}, h("summary", {}, textIn(lang, c.prefLabels)), h("div", { class: "small" }, textIn(lang, c.definitions))),
        narrower.length > 0 ? conceptList(lang, all, narrower) : null,
      );
    }),
  );
}
