// The report page in headless Chromium (Debian's, driven by puppeteer-core, --no-sandbox as root):
// the expected figures come from the live services themselves (called here over gRPC-Web with the
// same generated client), never from the page. tests/web/run.sh starts the servers and the page.
//
// Usage: node dist-test/page.test.mjs MODE PAGE_URL FORECAST_URL TAXONOMY_URL SCREENSHOT_DIR
//   MODE `full`: both services answer; `taxonomy-down`: the taxonomy service is stopped;
//   `forecast-down`: FORECAST_URL is a closed port (the taxonomy service answers).
// Prints "ok"/"FAIL" per check, then "page MODE: N passed, N failed"; exits 1 on any failure.
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import {
  Fill,
  ForecastService,
  type Observation,
  ObservationKind,
  Provenance,
  Qualifier,
  Transform,
} from "@llmarket/client/forecast/v1";
import { TaxonomyService } from "@llmarket/client/taxonomy/v1";
import { ForecastService as ForecastServiceV2 } from "@llmarket/client/forecast/v2";
// The check counter the TypeScript test clients share.
import { check, summary } from "../../tests/interop/ts/checks.js";

const [mode, pageUrl, forecastUrl, taxonomyUrl, shots] = process.argv.slice(2);
if (!["full", "taxonomy-down", "forecast-down"].includes(mode ?? "") || !pageUrl || !forecastUrl || !taxonomyUrl || !shots) {
  console.error("usage: page.test.mjs full|taxonomy-down|forecast-down PAGE_URL FORECAST_URL TAXONOMY_URL SCREENSHOT_DIR");
  process.exit(64);
}
const DATASET = "datasets/cic-global-llm-2026";
const SERIES = `${DATASET}/series/market-size`;
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const timeoutMs = 10_000;

// The page's words for qualifiers and kinds (the vocabulary it must use, not figures).
const QUALIFIER: Record<"en" | "zh", Partial<Record<Qualifier, string>>> = {
  en: { [Qualifier.EXACT]: "exact", [Qualifier.APPROXIMATE]: "about", [Qualifier.UPPER_BOUND]: "at most", [Qualifier.LOWER_BOUND]: "at least" },
  zh: { [Qualifier.EXACT]: "精确", [Qualifier.APPROXIMATE]: "约", [Qualifier.UPPER_BOUND]: "至多", [Qualifier.LOWER_BOUND]: "至少" },
};
const KIND: Record<"en" | "zh", Partial<Record<ObservationKind, string>>> = {
  en: { [ObservationKind.ACTUAL]: "actual", [ObservationKind.FORECAST]: "forecast" },
  zh: { [ObservationKind.ACTUAL]: "实际", [ObservationKind.FORECAST]: "预测" },
};
const CJK = /[\u4e00-\u9fff]/;

/** A row of the market table as the page shows it. */
interface Row {
  year: number;
  provenance: string | undefined;
  value: string;
  badge: string;
}

async function marketRows(page: Page): Promise<Row[]> {
  return page.$$eval("#market-values tbody tr", (rows) =>
    rows.map((r) => {
      const value = r.querySelector<HTMLElement>(".value");
      return {
        year: Number(r.getAttribute("data-year")),
        provenance: value?.dataset.provenance,
        value: value?.textContent ?? "",
        badge: r.querySelector(".badge")?.textContent ?? "",
      };
    }),
  );
}

/** The stated figures appear as stated, to their value, with qualifier and kind in `lang`. */
async function checkStated(page: Page, lang: "en" | "zh", stated: Observation[], tag: string): Promise<void> {
  const rows = await marketRows(page);
  for (const o of stated) {
    const row = rows.find((r) => r.year === o.year);
    const words = [QUALIFIER[lang][o.qualifier] ?? "?", KIND[lang][o.kind] ?? "?"];
    check(
      `${tag}: ${o.year} shows ${o.value} as stated, ${words.join(", ")}`,
      row !== undefined && row.provenance === "stated" && Number(row.value) === o.value && words.every((w) => row.badge.includes(w)),
      row,
    );
  }
  const statedYears = rows.filter((r) => r.provenance === "stated").map((r) => r.year);
  check(`${tag}: only the years the report states are shown as stated`, JSON.stringify(statedYears) === JSON.stringify(stated.map((o) => o.year)), statedYears);
}

async function ready(page: Page, languageCode: string): Promise<void> {
  await page.waitForSelector(`html[lang="${languageCode}"] body[data-state="ready"]`, { timeout: 20_000 });
}

async function headings(page: Page): Promise<string[]> {
  return page.$$eval("h2", (hs) => hs.map((x) => x.textContent ?? ""));
}

/** The page opened in English at the services of the command line, drawn. */
async function open(browser: Browser, errors: string[]): Promise<Page> {
  const page = await browser.newPage();
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.setViewport({ width: 1100, height: 900 });
  const url = new URL(pageUrl);
  url.searchParams.set("forecast", forecastUrl);
  url.searchParams.set("taxonomy", taxonomyUrl);
  url.searchParams.set("lang", "en");
  await page.goto(url.href);
  await ready(page, "en");
  return page;
}

/** The forecast service is not there: a warning, and the taxonomy's parts still drawn. */
async function forecastDown(): Promise<void> {
  const taxonomy = createClient(TaxonomyService, createGrpcWebTransport({ baseUrl: taxonomyUrl }));
  const milestones = (await taxonomy.listMilestones({ pageSize: 1000, languageCode: "en" }, { timeoutMs })).milestones;
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const errors: string[] = [];
    const page = await open(browser, errors);
    const warning = await page.$('.warning[data-service="forecast"]');
    const text = (await warning?.evaluate((w) => w.textContent)) ?? "";
    check("the missing forecast service shows a visible warning naming it", (await warning?.boundingBox()) != null && text.includes(forecastUrl), text);
    check("no market figures are made up", (await page.$("#market-values")) === null && (await page.$("svg.chart")) === null);
    const shown = await page.$$eval("li[data-milestone]", (ls) => ls.length);
    check("the milestones and the ladder are still drawn", shown === milestones.length && (await page.$("ol.ladder li.current")) !== null, shown);
    await page.screenshot({ path: `${shots}/page-forecast-down-en.png`, fullPage: true });
    check("no script error in the page", errors.length === 0, errors);
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  if (mode === "forecast-down") return forecastDown();
  const forecast = createClient(ForecastService, createGrpcWebTransport({ baseUrl: forecastUrl }));
  const taxonomy = createClient(TaxonomyService, createGrpcWebTransport({ baseUrl: taxonomyUrl }));
  const series = (await forecast.getSeries({ name: SERIES }, { timeoutMs })).series;
  const stated = (series?.observations ?? []).filter((o) => o.provenance === Provenance.REPORTED);
  const all = (await forecast.getObservations({ series: SERIES, transform: Transform.NONE, fill: Fill.CAGR_INTERPOLATE }, { timeoutMs })).observations;
  const derived = all.filter((o) => o.provenance === Provenance.DERIVED);
  const rate = (await forecast.computeGrowth({ series: SERIES, fill: Fill.CAGR_INTERPOLATE }, { timeoutMs })).statedRate;
  check("the service states market sizes and derives the years between", stated.length >= 2 && derived.length >= 1, { stated: stated.length, derived: derived.length });

  const browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const errors: string[] = [];
    const page = await open(browser, errors);
    check("the page loads and draws (English)", (await page.$("#overview")) !== null, await page.$eval("#app", (a) => a.textContent?.slice(0, 300)));

    await checkStated(page, "en", stated, "en");
    const rows = await marketRows(page);
    for (const o of derived) {
      const row = rows.find((r) => r.year === o.year);
      check(`en: ${o.year} is marked derived (*, "derived by the service")`, row?.provenance === "derived" && row.value.endsWith("*") && row.badge.includes("derived"), row);
    }
    const points = await page.$$eval("svg.chart circle.point", (cs) => cs.map((c) => `${c.getAttribute("data-year")}:${c.classList.contains("derived") ? "d" : "s"}`));
    const expected = all.map((o) => `${o.year}:${o.provenance === Provenance.DERIVED ? "d" : "s"}`);
    check("the chart draws stated points filled and derived ones hollow", JSON.stringify(points) === JSON.stringify(expected), points);
    const bounds = await page.$$eval("svg.chart g.bound", (gs) => gs.map((g) => [Number(g.getAttribute("data-low")), Number(g.getAttribute("data-high"))]));
    check(
      "the chart draws each value's interval from the service",
      bounds.length === all.length && all.every((o, i) => bounds[i]?.[0] === o.interval?.low && bounds[i]?.[1] === o.interval?.high),
      bounds,
    );
    if (rate !== undefined) {
      const shown = await page.$eval("#cagr-stated .value", (v) => [v.getAttribute("data-provenance"), v.textContent]);
      check(`the stated CAGR ${rate.value} appears as stated`, shown[0] === "stated" && Math.abs(parseFloat(shown[1] ?? "") / 100 - rate.value) < 1e-9, shown);
      const computed = await page.$eval("#cagr-computed .value", (v) => [v.getAttribute("data-provenance"), v.textContent]);
      check("the computed CAGR is marked derived", computed[0] === "derived" && (computed[1] ?? "").endsWith("*"), computed);
    }

    // The page reads contract v2; the figures above are v1's (the same for the built-in data), and
    // the edition it names is the one v2 answers from.
    const v2 = createClient(ForecastServiceV2, createGrpcWebTransport({ baseUrl: forecastUrl }));
    const edition = (await v2.getSeries({ name: "datasets/cic-global-llm/series/market-size" }, { timeoutMs })).edition;
    const shownEdition = await page.$eval("#edition", (e) => [e.getAttribute("data-edition"), e.textContent ?? ""]).catch(() => ["", ""]);
    check(
      `the page names the edition it answers from (${edition})`,
      edition !== "" && shownEdition[0] === edition && (shownEdition[1] ?? "").includes(edition.split("/").pop() ?? "?"),
      shownEdition,
    );

    if (mode === "full") {
      const milestones = (await taxonomy.listMilestones({ pageSize: 1000, languageCode: "en" }, { timeoutMs })).milestones;
      const shownMilestones = await page.$$eval("li[data-milestone]", (ls) => ls.length);
      check(`the timeline shows the ${milestones.length} milestones of the service`, shownMilestones === milestones.length && milestones.length > 0, shownMilestones);
      const context = await Promise.all(
        ["schemes/drivers", "schemes/trends", "schemes/barriers"].map(async (parent) => (await taxonomy.listConcepts({ parent, languageCode: "en" }, { timeoutMs })).concepts),
      );
      const wantContext = context.flat().map((c) => c.prefLabel).sort();
      const shownContext = (await page.$$eval("#context li[data-concept] > details > summary", (ss) => ss.map((x) => x.textContent ?? ""))).sort();
      check("drivers, trends and barriers are the service's concepts", JSON.stringify(shownContext) === JSON.stringify(wantContext) && wantContext.length > 0, { shownContext, wantContext });
      for (const languageCode of ["en", "zh-Hans"]) {
        if (languageCode === "zh-Hans") {
          const before = await headings(page);
          await page.click("#lang-switch");
          await ready(page, "zh-Hans");
          const after = await headings(page);
          check("switching to Chinese changes every heading", after.length === before.length && after.every((x, i) => x !== before[i] && CJK.test(x)), { before, after });
          await checkStated(page, "zh", stated, "zh");
          await page.screenshot({ path: `${shots}/page-zh.png`, fullPage: true });
        } else {
          await page.screenshot({ path: `${shots}/page-en.png`, fullPage: true });
        }
        const levels = (await taxonomy.listConcepts({ parent: "schemes/capability-levels", languageCode }, { timeoutMs })).concepts;
        const shownLevels = await page.$$eval("ol.ladder li", (ls) => ls.map((l) => [l.getAttribute("data-level"), l.querySelector("strong")?.textContent, l.classList.contains("current")]));
        const want = [...levels].reverse().map((l) => [l.notation, l.prefLabel, l.attributes.current_level !== undefined]);
        check(`${languageCode}: the ladder shows the service's levels in ${languageCode}, the current one marked`, JSON.stringify(shownLevels) === JSON.stringify(want), { shownLevels, want });
      }
      await page.click("#lang-switch");
      await ready(page, "en");
      check("switching back gives the English labels again", (await headings(page))[0] === "Market overview", await headings(page));
      check("no warning while both services answer", (await page.$(".warning")) === null);
    } else {
      for (const lang of ["en", "zh"] as const) {
        if (lang === "zh") {
          await page.click("#lang-switch");
          await ready(page, "zh-Hans");
          await checkStated(page, "zh", stated, "zh, taxonomy down");
        }
        const warning = await page.$('.warning[data-service="taxonomy"]');
        const text = (await warning?.evaluate((w) => w.textContent)) ?? "";
        const visible = (await warning?.boundingBox()) != null;
        check(`${lang}: the stopped taxonomy service shows a visible warning in the page's language`, visible && text.includes(taxonomyUrl) && (lang === "zh") === CJK.test(text), text);
        check(
          `${lang}: the ladder, milestones and concepts are left out, the market figures stay`,
          (await page.$("ol.ladder")) === null && (await page.$("li[data-milestone]")) === null && (await page.$("#context li")) === null && (await page.$("#market-values")) !== null,
        );
        await page.screenshot({ path: `${shots}/page-taxonomy-down-${lang}.png`, fullPage: true });
      }
    }
    check("no script error in the page", errors.length === 0, errors);
  } finally {
    await browser.close();
  }
}

try {
  await main();
} catch (error) {
  check("the test ran to the end", false, error instanceof Error ? error.stack ?? error.message : String(error));
}
process.exit(summary(`page ${mode}`));
