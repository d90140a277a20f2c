// The TypeScript interop client: the interop script (tests/interop/README.md) against the real servers,
// on Node with connect-es over the gRPC protocol (HTTP/2), through the INSTALLED npm package
// @llmarket/client (clients/typescript, `npm pack`ed and installed into a fresh folder by
// tests/interop/run.sh): contract v1 (the shared script) and v2 (clients.ts beside this file),
// paging, retries across a restart, error details, the data version and the join of both services.
// Beside the shared script, calls over gRPC-Web with connect-web, as a browser page makes them.
//
// Usage: node dist/client.js FORECAST TAXONOMY TLS_FORECAST TLS_TAXONOMY CA_PEM SERVER_BIN
// (token in LLMARKET_TOKEN). Prints "ok"/"FAIL" per check, then "ts: N passed, N failed"; exits 1
// on any failure.
import { readFileSync } from "node:fs";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { badRequest, DataVersion } from "@llmarket/client";
import {
  ForecastService,
  ObservationKind,
  Provenance,
  Qualifier,
  type Observation,
} from "@llmarket/client/forecast/v1";
import { TaxonomyService } from "@llmarket/client/taxonomy/v1";
import { check, summary } from "./checks.js";
import { failureOf } from "./failure.js";
import { exampleScript, quotaScript, restartScript, v1JoinScript, v2GrpcWebScript, v2Script } from "./v2.js";

const DATASET = "datasets/cic-global-llm-2026";
const SERIES = `${DATASET}/series/market-size`;
const CONCEPT = "schemes/trends/concepts/cot-reasoning-models";
const timeoutMs = 10_000;

function stated(o: Observation | undefined, value: number, kind: ObservationKind): boolean {
  return (
    o !== undefined &&
    o.value === value &&
    o.qualifier === Qualifier.EXACT &&
    o.provenance === Provenance.REPORTED &&
    o.kind === kind
  );
}

async function forecastScript(address: string): Promise<void> {
  const f = createClient(ForecastService, createGrpcTransport({ baseUrl: `http://${address}` }));

  const version = new DataVersion();
  const datasets = await f.listDatasets({}, { timeoutMs, onHeader: version.onHeader });
  check("ListDatasets has the built-in dataset", datasets.datasets.some((d) => d.name === DATASET));
  check("v1: the data version from the llmarket-data-version header", /^[0-9a-f]{16}$/.test(version.value), version.value);

  const series = await f.getSeries({ name: SERIES }, { timeoutMs });
  const byYear = new Map(series.series?.observations.map((o) => [o.year, o]));
  check("GetSeries: 2024 is 10.7, exact, reported, actual", stated(byYear.get(2024), 10.7, ObservationKind.ACTUAL), byYear.get(2024));
  check("GetSeries: 2029 is 206.5, exact, reported, forecast", stated(byYear.get(2029), 206.5, ObservationKind.FORECAST), byYear.get(2029));

  const growth = await f.computeGrowth({ series: SERIES, startYear: 2024, endYear: 2029 }, { timeoutMs });
  const ours = Math.pow(206.5 / 10.7, 1 / 5) - 1;
  check("ComputeGrowth: CAGR is (206.5/10.7)^(1/5) - 1", Math.abs(growth.cagr - ours) < 1e-9, growth.cagr);
  const rate = growth.statedRate;
  check(
    "ComputeGrowth: the stated 80.7 % lies within the rounding of the computed CAGR",
    rate !== undefined &&
      rate.value === 0.807 &&
      growth.agreesWithStated &&
      rate.value + rate.resolution / 2 >= growth.cagrLow &&
      rate.value - rate.resolution / 2 <= growth.cagrHigh,
    { rate, low: growth.cagrLow, high: growth.cagrHigh },
  );

  const missing = await failureOf(() => f.getSeries({ name: `${DATASET}/series/no-such-series` }, { timeoutMs }));
  check(
    "GetSeries of a missing series is NOT_FOUND",
    missing?.code === Code.NotFound && missing.rawMessage.includes("no-such-series"),
    missing,
  );

  const invalid = await failureOf(() => f.listDatasets({ pageSize: -5 }, { timeoutMs }));
  const field = badRequest(invalid)?.fieldViolations[0]?.field;
  check(
    "a negative page_size is INVALID_ARGUMENT with a BadRequest naming page_size",
    invalid?.code === Code.InvalidArgument && field === "page_size",
    invalid,
  );

  const late = await failureOf(() => f.listDatasets({}, { timeoutMs: 1 }));
  check("a call past its deadline is DEADLINE_EXCEEDED", late?.code === Code.DeadlineExceeded, late);
}

/** gRPC-Web as a browser page sends it: connect-web over fetch (HTTP/1.1 from Node). */
async function grpcWebScript(address: string): Promise<void> {
  const f = createClient(ForecastService, createGrpcWebTransport({ baseUrl: `http://${address}` }));
  const series = await failureOf(async () => {
    const got = await f.getSeries({ name: SERIES }, { timeoutMs });
    if (got.series?.observations.find((o) => o.year === 2024)?.value !== 10.7) {
      throw new Error(`2024 is not 10.7: ${JSON.stringify(got.series?.observations[0])}`);
    }
  });
  check("gRPC-Web (connect-web, fetch over HTTP/1.1): GetSeries 2024 is 10.7", series === undefined, series);
  const invalid = await failureOf(() => f.listDatasets({ pageSize: -5 }, { timeoutMs }));
  const field = badRequest(invalid)?.fieldViolations[0]?.field;
  check(
    "gRPC-Web: a negative page_size is INVALID_ARGUMENT with a BadRequest naming page_size",
    invalid?.code === Code.InvalidArgument && field === "page_size",
    invalid,
  );
}

async function taxonomyScript(address: string): Promise<void> {
  const t = createClient(TaxonomyService, createGrpcTransport({ baseUrl: `http://${address}` }));

  const found = await t.searchConcepts({ query: "推理", languageCode: "en", pageSize: 100 }, { timeoutMs });
  const names = new Set(found.hits.map((hit) => hit.concept?.name));
  check("SearchConcepts 推理 finds the inference scaling law (drivers)", names.has("schemes/drivers/concepts/inference-scaling-law"), [...names]);
  check("SearchConcepts 推理 finds reasoning models (trends)", names.has(CONCEPT), [...names]);

  const zh = await t.getConcept({ name: CONCEPT, languageCode: "zh" }, { timeoutMs });
  check("GetConcept in zh", zh.concept?.prefLabel === "CoT (思维链) 与推理模型涌现", zh.concept?.prefLabel);
  const en = await t.getConcept({ name: CONCEPT, languageCode: "en" }, { timeoutMs });
  check(
    "GetConcept in en",
    en.concept?.prefLabel === "Chain of thought and the rise of reasoning models" && en.languageCode === "en",
    en.concept?.prefLabel,
  );
}

async function tlsScript(forecastAddr: string, taxonomyAddr: string, caPath: string, token: string): Promise<void> {
  const ca = readFileSync(caPath);
  const bearer: Interceptor = (next) => async (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
  const transport = (address: string, interceptors: Interceptor[]) =>
    createGrpcTransport({ baseUrl: `https://${address}`, nodeOptions: { ca }, interceptors });

  const f = createClient(ForecastService, transport(forecastAddr, [bearer]));
  const withToken = await failureOf(() => f.getSeries({ name: SERIES }, { timeoutMs }));
  check("over TLS with a bearer token: GetSeries", withToken === undefined, withToken);
  const t = createClient(TaxonomyService, transport(taxonomyAddr, [bearer]));
  const concept = await failureOf(() => t.getConcept({ name: CONCEPT }, { timeoutMs }));
  check("over TLS with a bearer token: GetConcept", concept === undefined, concept);
  const anonymous = createClient(ForecastService, transport(forecastAddr, []));
  const without = await failureOf(() => anonymous.getSeries({ name: SERIES }, { timeoutMs }));
  check("over TLS without the token: UNAUTHENTICATED", without?.code === Code.Unauthenticated, without);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const token = process.env.LLMARKET_TOKEN;
  if (args.length !== 6 || !token) {
    console.error("usage: node dist/client.js FORECAST TAXONOMY TLS_FORECAST TLS_TAXONOMY CA_PEM SERVER_BIN (token in LLMARKET_TOKEN)");
    return 64;
  }
  try {
    await forecastScript(args[0]);
    await grpcWebScript(args[0]);
    await taxonomyScript(args[1]);
    await tlsScript(args[2], args[3], args[4], token);
    await v1JoinScript(args[1]);
    await v2Script(args[0], args[1]);
    await v2GrpcWebScript(args[0]);
    await exampleScript(args[0], args[1]);
    await restartScript(args[5]);
    await quotaScript(args[5]);
  } catch (error) {
    check("every call of the script answers", false, error);
  }
  return summary("ts");
}

process.exitCode = await main();
