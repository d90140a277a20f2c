// The report page: loads the forecast service's numbers once and the taxonomy service's words in
// the page's language, each on its own, and draws what it has; a service that does not answer
// gets a warning in the page's language and its part of the page is left out. The language switch
// redraws at once and asks the taxonomy service for its labels in the other language.
// `document.body.dataset.state` is `loading`, then `ready` once a language's page is drawn.
import { Code, ConnectError } from "@connectrpc/connect";
import { configOf } from "./config.js";
import { connect, loadNumbers, loadWords, type Numbers, type Words } from "./data.js";
import { h } from "./dom.js";
import { LANGUAGE_CODE, type Lang, label, t } from "./i18n.js";
import { overviewSection, titleOf } from "./overview.js";
import { contextSection, ladderSection, timelineSection } from "./sections.js";

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
const words = new Map<Lang, Promise<Outcome<Words>>>();

function wordsIn(l: Lang): Promise<Outcome<Words>> {
  let got = words.get(l);
  if (got === undefined) {
    got = outcome(loadWords(services, LANGUAGE_CODE[l]));
    words.set(l, got);
  }
  return got;
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

function header(l: Lang, n: Numbers | undefined): HTMLElement {
  const other: Lang = l === "zh" ? "en" : "zh";
  const button = h("button", { id: "lang-switch", type: "button", lang: LANGUAGE_CODE[other], "aria-label": t(l, "switchToLabel") }, t(l, "switchTo"));
  button.addEventListener("click", () => void show(other));
  const d = n?.dataset;
  return h(
    "header",
    {},
    h("div", { class: "top" }, h("h1", {}, d ? titleOf(l, { titleEn: d.titleEn, titleZhHans: d.titleZhHans }) : t(l, "pageTitle")), button),
    d ? h("p", { class: "small" }, `${label(l, "publisher")}${d.publisher} · ${label(l, "notice")}${l === "zh" ? d.noticeZhHans : d.noticeEn}`) : null,
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
  const [n, w] = await Promise.all([numbers, wordsIn(l)]);
  if (lang !== l) return; // switched again meanwhile
  const alerts: HTMLElement[] = [];
  if (!n.ok) alerts.push(warning(l, "forecast", config.forecast, n.error));
  if (!w.ok) alerts.push(warning(l, "taxonomy", config.taxonomy, w.error));
  if (w.ok && w.value.languageFallback) alerts.push(h("div", { class: "warning", role: "status" }, t(l, "languageFallback")));
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
