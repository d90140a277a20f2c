// The report page: loads the forecast service's numbers and the taxonomy service's words once
// each (contract v2: texts in every language), each on its own, and draws what it has; a service
// that does not answer gets a warning in the page's language and its part of the page is left
// out. The language switch redraws at once in the other language. The header names the edition
// the figures come from.
// `document.body.dataset.state` is `loading`, then `ready` once a language's page is drawn.
import { Code, ConnectError } from "@connectrpc/connect";
import { configOf } from "./config.js";
import { connect, loadNumbers, loadWords, type Numbers, type Words } from "./data.js";
import { h } from "./dom.js";
import { LANGUAGE_CODE, type Lang, label, t } from "./i18n.js";
import { overviewSection } from "./overview.js";
import { contextSection, ladderSection, timelineSection } from "./sections.js";
import { missingIn, textIn } from "./text.js";

type Outcome<T> = { ok: true; value: T } | { ok: false; error: ConnectError };

async function outcome<T>(work: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work };
  } catch (error) {
    return { ok: false, error: ConnectError.from(error) };
  }
}

const config = configOf(location.search, navigator.language);
const services = connect(config.forecast, config.taxonomy);
let lang: Lang = config.lang;
const numbers = outcome(loadNumbers(services, config.dataset));
const words = outcome(loadWords(services, config.dataset));

/** Whether some text of `w` is not in `l` (the page shows the source language's instead). */
function fallsBack(l: Lang, w: Words): boolean {
  return missingIn(l, [
    ...w.levels.map((c) => c.prefLabels),
    ...w.milestones.map((m) => m.titles),
    ...w.context.flat().map((c) => c.prefLabels),
  ]);
}

function codeWords(l: Lang, e: ConnectError): string {
  switch (e.code) {
    case Code.Unavailable:
      return t(l, "codeUnavailable");
    case Code.DeadlineExceeded:
      return t(l, "codeDeadline");
    case Code.Unknown:
      // fetch() failing (no connection, or a CORS refusal, which browsers do not tell apart).
      if (e.cause instanceof TypeError) return t(l, "codeUnreachable");
      return t(l, "codeOther", { code: Code[e.code] });
    default:
      return t(l, "codeOther", { code: Code[e.code] ?? String(e.code) });
  }
}

function warning(l: Lang, service: "forecast" | "taxonomy", url: string, e: ConnectError): HTMLElement {
  const text = t(l, "unavailable", {
    service: t(l, service === "forecast" ? "forecastService" : "taxonomyService"),
    url,
    code: codeWords(l, e),
    parts: t(l, service === "forecast" ? "partsOfForecast" : "partsOfTaxonomy"),
  });
  return h("div", { class: "warning", role: "alert", "data-service": service }, h("strong", {}, label(l, "warning")), text);
}

/** A google.type.Date as far as it is given: "2026", "2026-06" or "2026-06-30". */
function dateWords(d: { year: number; month: number; day: number }): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return d.month === 0 ? String(d.year) : d.day === 0 ? `${d.year}-${two(d.month)}` : `${d.year}-${two(d.month)}-${two(d.day)}`;
}

function header(l: Lang, n: Numbers | undefined): HTMLElement {
  const other: Lang = l === "zh" ? "en" : "zh";
  const button = h("button", { id: "lang-switch", type: "button", lang: LANGUAGE_CODE[other], "aria-label": t(l, "switchToLabel") }, t(l, "switchTo"));
  button.addEventListener("click", () => void show(other));
  const d = n?.dataset;
  const e = n?.edition;
  const published = e?.publishDate ? dateWords(e.publishDate) : "";
  return h(
    "header",
    {},
    h("div", { class: "top" }, h("h1", {}, d ? textIn(l, d.titles) : t(l, "pageTitle")), button),
    d && e ? h("p", { class: "small" }, `${label(l, "publisher")}${d.publisher} · ${label(l, "notice")}${textIn(l, e.notices)}`) : null,
    e ? h("p", { class: "small", id: "edition", "data-edition": e.name }, `${label(l, "edition")}${e.name.split("/").pop()}${published ? ` · ${label(l, "published")}${published}` : ""} · ${label(l, "dataVersion")}${e.dataVersion}`) : null,
    h(
      "p",
      { class: "small services" },
      `${label(l, "services")}${t(l, "forecastService")} ${config.forecast} · ${t(l, "taxonomyService")} ${config.taxonomy}`,
    ),
  );
}

/** Draws the page in `l` once its parts have answered (or failed). */
async function show(l: Lang): Promise<void> {
  lang = l;
  document.documentElement.lang = LANGUAGE_CODE[l];
  document.title = t(l, "pageTitle");
  const url = new URL(location.href);
  url.searchParams.set("lang", l);
  history.replaceState(null, "", url);
  document.body.dataset.state = "loading";
  const root = document.getElementById("app");
  if (root === null) return;
  root.replaceChildren(h("p", { class: "loading" }, t(l, "loading")));
  const [n, w] = await Promise.all([numbers, words]);
  if (lang !== l) return; // switched again meanwhile
  const alerts: HTMLElement[] = [];
  if (!n.ok) alerts.push(warning(l, "forecast", config.forecast, n.error));
  if (!w.ok) alerts.push(warning(l, "taxonomy", config.taxonomy, w.error));
  if (w.ok && fallsBack(l, w.value)) alerts.push(h("div", { class: "warning", role: "status" }, t(l, "languageFallback")));
  const num = n.ok ? n.value : undefined;
  const wor = w.ok ? w.value : undefined;
  const parts = [
    header(l, num),
    h("div", { id: "warnings" }, ...alerts),
    num ? overviewSection(l, num) : null,
    contextSection(l, wor),
    timelineSection(l, num?.observations, wor),
    ladderSection(l, wor),
    h("footer", { class: "small" }, t(l, "footer")),
  ];
  root.replaceChildren(...parts.filter((part): part is HTMLElement => part !== null));
  document.body.dataset.state = "ready";
}

void show(lang);
