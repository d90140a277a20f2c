// The TypeScript interop client's checks beyond the shared v1 script: contract v2 through the
// installed @llmarket/client (paging to the end, the join of both services, error details, the
// data version), the v1 join by paging, the docs' example run as a user runs it, a retry across
// a server restart (v1 and v2) and RetryInfo from a principal's quota.
import { execFile } from "node:child_process";
import { appendFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import {
  all,
  badRequest,
  DataVersion,
  nearestNames,
  pages,
  resourceInfos,
  retryInfo,
  retryInterceptor,
  retryPolicyOf,
} from "@llmarket/client";
import * as v1 from "@llmarket/client/forecast/v1";
import { ForecastService, ObservationKind, Provenance, Qualifier } from "@llmarket/client/forecast/v2";
import * as taxonomyV1 from "@llmarket/client/taxonomy/v1";
import { TaxonomyService } from "@llmarket/client/taxonomy/v2";
import { check } from "./checks.js";
import { failureOf } from "./failure.js";
import { freePort, start, stop } from "./server.js";

const run = promisify(execFile);
const DATASET = "datasets/cic-global-llm";
const EDITION = `${DATASET}/editions/2026`;
const SERIES = `${DATASET}/series/market-size`;
const LINKED = `${DATASET}/schemes/industry/concepts/model-based-revenue`;
const timeoutMs = 10_000;

/** Contract v2 over gRPC: reads, paging, the join, error details and the data version. */
export async function v2Script(forecastAddr: string, taxonomyAddr: string): Promise<void> {
  const f = createClient(ForecastService, createGrpcTransport({ baseUrl: `http://${forecastAddr}` }));
  const t = createClient(TaxonomyService, createGrpcTransport({ baseUrl: `http://${taxonomyAddr}` }));

  const header = new DataVersion();
  const datasets = await f.listDatasets({}, { timeoutMs, onHeader: header.onHeader });
  check("v2 ListDatasets has datasets/cic-global-llm", datasets.datasets.some((d) => d.name === DATASET));
  check(
    "v2: the data version in the message equals the llmarket-data-version header",
    /^[0-9a-f]{16}$/.test(datasets.dataVersion) && datasets.dataVersion === header.value,
    { message: datasets.dataVersion, header: header.value },
  );

  const series = await f.getSeries({ name: SERIES }, { timeoutMs });
  const y2029 = series.observations.find((o) => o.year === 2029);
  check(
    "v2 GetSeries: 2029 is 206.5 in [206.45, 206.55], exact, reported, forecast, from edition 2026",
    y2029?.value?.value === 206.5 &&
      Math.abs((y2029.value.interval?.low ?? 0) - 206.45) < 1e-9 &&
      Math.abs((y2029.value.interval?.high ?? 0) - 206.55) < 1e-9 &&
      y2029.value.qualifier === Qualifier.EXACT &&
      y2029.provenance === Provenance.REPORTED &&
      y2029.kind === ObservationKind.FORECAST &&
      y2029.edition === EDITION &&
      series.edition === EDITION,
    y2029,
  );

  const growth = await f.computeGrowth({ name: SERIES, startYear: 2024, endYear: 2029 }, { timeoutMs });
  const ours = Math.pow(206.5 / 10.7, 1 / 5) - 1;
  const cagr = growth.cagr;
  check(
    "v2 ComputeGrowth: the CAGR is (206.5/10.7)^(1/5) - 1 and its interval holds the stated 80.7 %",
    cagr !== undefined &&
      Math.abs(cagr.value - ours) < 1e-9 &&
      growth.statedRate?.value?.value === 0.807 &&
      growth.agreesWithStated === true &&
      (cagr.interval?.low ?? Infinity) <= 0.807 &&
      0.807 <= (cagr.interval?.high ?? -Infinity),
    cagr,
  );

  // Paging to the end: two series a page, every page followed.
  const edition = await f.getEdition({ name: EDITION }, { timeoutMs });
  let pageCount = 0;
  const names: string[] = [];
  for await (const page of pages((pageToken) => f.listSeries({ parent: DATASET, pageSize: 2, pageToken }, { timeoutMs }))) {
    pageCount++;
    names.push(...page.series.map((s) => s.name));
  }
  check(
    "v2 ListSeries two a page: every series of the edition once, over several pages",
    pageCount > 1 && names.length === edition.seriesCount && new Set(names).size === names.length && names.includes(SERIES),
    { pageCount, names, seriesCount: edition.seriesCount },
  );

  // The join: the concepts linked to the series, across every scheme, every page; and back.
  const linked = await all(
    (pageToken) =>
      t.listConcepts({ parent: `${DATASET}/schemes/-`, filter: `series:"${SERIES}"`, pageSize: 1, pageToken }, { timeoutMs }),
    (page) => page.concepts,
  );
  check("v2 join: ListConcepts series:\"market-size\" has model-based revenue", linked.some((c) => c.name === LINKED), linked.map((c) => c.name));
  const back = await t.getConcept({ name: LINKED }, { timeoutMs });
  check("v2 join: the concept's series lists market-size", back.series.includes(SERIES), back.series);

  const missing = await failureOf(() => f.getSeries({ name: `${SERIES}s` }, { timeoutMs }));
  const info = resourceInfos(missing)[0];
  check(
    "v2 NOT_FOUND: ResourceInfo names the missing series, ErrorInfo's nearest names market-size",
    missing?.code === Code.NotFound &&
      info?.resourceName === `${SERIES}s` &&
      info.resourceType === "llmarket.forecast.v2.Series" &&
      nearestNames(missing)[0] === SERIES,
    missing,
  );
  const invalid = await failureOf(() => f.listSeries({ parent: DATASET, pageSize: -5 }, { timeoutMs }));
  check(
    "v2 INVALID_ARGUMENT: BadRequest names page_size",
    invalid?.code === Code.InvalidArgument && badRequest(invalid)?.fieldViolations.some((v) => v.field === "page_size") === true,
    invalid,
  );
  const late = await failureOf(() => f.getSeries({ name: SERIES }, { timeoutMs: 1 }));
  check("v2: a call past its deadline is DEADLINE_EXCEEDED", late?.code === Code.DeadlineExceeded, late);
}

/** Contract v2 over gRPC-Web, as the report page calls it. */
export async function v2GrpcWebScript(forecastAddr: string): Promise<void> {
  const f = createClient(ForecastService, createGrpcWebTransport({ baseUrl: `http://${forecastAddr}` }));
  const got = await failureOf(async () => {
    const s = await f.getSeries({ name: SERIES }, { timeoutMs });
    if (s.observations.find((o) => o.year === 2024)?.value?.value !== 10.7) throw new Error("2024 is not 10.7");
  });
  check("v2 over gRPC-Web: GetSeries 2024 is 10.7", got === undefined, got);
  const missing = await failureOf(() => f.getSeries({ name: `${SERIES}s` }, { timeoutMs }));
  check(
    "v2 over gRPC-Web: NOT_FOUND's ResourceInfo from the trailer",
    resourceInfos(missing)[0]?.resourceName === `${SERIES}s`,
    missing,
  );
}

/** v1: the concepts linked to the market-size series, every page of a scheme (two a page). */
export async function v1JoinScript(taxonomyAddr: string): Promise<void> {
  const t = createClient(taxonomyV1.TaxonomyService, createGrpcTransport({ baseUrl: `http://${taxonomyAddr}` }));
  let pageCount = 0;
  const concepts = await all(
    (pageToken) => {
      pageCount++;
      return t.listConcepts({ parent: "schemes/industry", pageSize: 2, pageToken }, { timeoutMs });
    },
    (page) => page.concepts,
  );
  const linked = concepts.filter((c) => c.series.includes("datasets/cic-global-llm-2026/series/market-size"));
  check(
    "v1 join: every page of schemes/industry, model-based revenue explains market-size",
    pageCount > 1 && linked.map((c) => c.name).includes("schemes/industry/concepts/model-based-revenue"),
    { pageCount, linked: linked.map((c) => c.name) },
  );
}

/** The example of docs/consuming/typescript.md, run as a user runs it. */
export async function exampleScript(forecastAddr: string, taxonomyAddr: string): Promise<void> {
  const out = await failureOf(async () => {
    const { stdout } = await run(process.execPath, ["dist/example.js", `http://${forecastAddr}`, `http://${taxonomyAddr}`], {
      timeout: 30_000,
    });
    const expected = [
      /^2029: 206\.5 \[206\.45, 206\.55\] REPORTED datasets\/cic-global-llm\/editions\/2026$/m,
      /^CAGR 0\.80\d+ \[0\.80\d+, 0\.80\d+\] stated 0\.807$/m,
      /^concept datasets\/cic-global-llm\/schemes\/industry\/concepts\/model-based-revenue Model-based revenue$/m,
      /^not found datasets\/cic-global-llm\/series\/market-sizes; nearest datasets\/cic-global-llm\/series\/market-size$/m,
      /^data version [0-9a-f]{16} edition datasets\/cic-global-llm\/editions\/2026$/m,
    ];
    const absent = expected.filter((e) => !e.test(stdout));
    if (absent.length > 0) throw new Error(`the example printed ${stdout}\nwithout ${absent.join(", ")}`);
  });
  check("the docs' example (dist/example.js) prints the market size, CAGR, linked concept, error and version", out === undefined, out);
}

/** A retry across a restart: the server stops, and the retry interceptor's second attempt reaches
 * the server started again on the same port (v2 then v1). */
export async function restartScript(bin: string): Promise<void> {
  const port = await freePort();
  let server = await start(bin, port);
  const retried: Code[] = [];
  const interceptors: Interceptor[] = [
    retryInterceptor({
      onRetry: async (_attempt, error) => {
        retried.push(error.code);
        if (retried.length === 1) server = await start(bin, port); // back up before the next attempt
      },
    }),
  ];
  const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}`, interceptors });
  const f2 = createClient(ForecastService, transport);
  const f1 = createClient(v1.ForecastService, transport);
  try {
    // With nobody coming back, the policy gives up after its attempts.
    await stop(server);
    const gaveUp = createClient(
      ForecastService,
      createGrpcTransport({
        baseUrl: `http://127.0.0.1:${port}`,
        interceptors: [retryInterceptor({ onRetry: (_a, e) => void retried.push(e.code) })],
      }),
    );
    const down = await failureOf(() => gaveUp.getSeries({ name: SERIES }, { timeoutMs }));
    const maxAttempts = retryPolicyOf(ForecastService.typeName)?.maxAttempts ?? 0;
    check(
      `v2 with the server down: UNAVAILABLE after the policy's ${maxAttempts} attempts`,
      down?.code === Code.Unavailable && maxAttempts > 1 && retried.length === maxAttempts - 1,
      { down, retried },
    );
    server = await start(bin, port);
    for (const [label, call] of [
      ["v2", () => f2.getSeries({ name: SERIES }, { timeoutMs })],
      ["v1", () => f1.getSeries({ name: "datasets/cic-global-llm-2026/series/market-size" }, { timeoutMs })],
    ] as const) {
      await call();
      await stop(server);
      retried.length = 0;
      const failure = await failureOf(call);
      check(
        `${label}: a call across a server restart succeeds on a retry after UNAVAILABLE`,
        failure === undefined && retried.length === 1 && retried[0] === Code.Unavailable,
        { failure, retried },
      );
    }
  } finally {
    await stop(server);
  }
}

/** RetryInfo from a principal's quota (one call a second): read by the helper, and waited for by
 * the retry interceptor. */
export async function quotaScript(bin: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "llmarket-interop-ts-"));
  const auth = join(dir, "auth.toml");
  const { stdout } = await run(bin, [
    "token", "new", "--principal", "limited", "--grant", "datasets/*", "--append-to", auth,
  ]);
  appendFileSync(auth, "\nquota = { calls_per_second = 1, burst = 1 }\n");
  const server = await start(bin, await freePort(), ["--auth-file", auth]);
  try {
    const bearer: Interceptor = (next) => async (req) => {
      req.header.set("authorization", `Bearer ${stdout.trim()}`);
      return next(req);
    };
    const plain = createClient(ForecastService, createGrpcTransport({ baseUrl: `http://${server.forecast}`, interceptors: [bearer] }));
    await plain.listDatasets({}, { timeoutMs });
    const exhausted = await failureOf(() => plain.listDatasets({}, { timeoutMs }));
    const delayMs = millis(retryInfo(exhausted)?.retryDelay);
    check(
      "past the quota: RESOURCE_EXHAUSTED with a RetryInfo delay",
      exhausted?.code === Code.ResourceExhausted && delayMs > 0 && delayMs <= 1000,
      exhausted,
    );
    const waits: { waited: number; asked: number }[] = [];
    const retrying = createClient(
      ForecastService,
      createGrpcTransport({
        baseUrl: `http://${server.forecast}`,
        interceptors: [retryInterceptor({ onRetry: (_a, e, ms) => void waits.push({ waited: ms, asked: millis(retryInfo(e)?.retryDelay) }) }), bearer],
      }),
    );
    const policy = retryPolicyOf(ForecastService.typeName);
    const after = await failureOf(() => retrying.listDatasets({}, { timeoutMs }));
    check(
      "past the quota with the retry policy: the call succeeds, having waited the RetryInfo delay",
      after === undefined && waits.length >= 1 &&
        waits.length < (policy?.maxAttempts ?? 0) &&
        waits.every((w) => w.asked > 0 && w.waited >= w.asked),
      { after, waits, delayMs },
    );
  } finally {
    await stop(server);
  }
}

function millis(d: { seconds: bigint; nanos: number } | undefined): number {
  return d === undefined ? 0 : Number(d.seconds) * 1000 + d.nanos / 1e6;
}
