// Consuming llmarket from TypeScript (docs/consuming/typescript.md shows this file): the market
// size with its intervals and provenance, the CAGR and the concepts linked to the series, on v2.
// Run: node dist/example.js http://127.0.0.1:50051 http://127.0.0.1:50052
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { all, nearestNames, resourceInfos, retryInterceptor } from "@llmarket/client";
import { ForecastService, Provenance } from "@llmarket/client/forecast/v2";
import { TaxonomyService } from "@llmarket/client/taxonomy/v2";

const [forecastUrl, taxonomyUrl] = process.argv.slice(2);
const transport = (baseUrl: string) => createGrpcTransport({ baseUrl, interceptors: [retryInterceptor()] });
const forecast = createClient(ForecastService, transport(forecastUrl));
const taxonomy = createClient(TaxonomyService, transport(taxonomyUrl));
const timeoutMs = 10_000; // every call has a deadline; retries stay within it
const series = "datasets/cic-global-llm/series/market-size";

const s = await forecast.getSeries({ name: series }, { timeoutMs });
for (const o of s.observations) {
  const { value, interval } = o.value!;
  const [low, high] = [interval?.low ?? "open", interval?.high ?? "open"];
  console.log(`${o.year}: ${value} [${low}, ${high}] ${Provenance[o.provenance]} ${o.edition}`);
}
const g = await forecast.computeGrowth({ name: series, startYear: 2024, endYear: 2029 }, { timeoutMs });
console.log(`CAGR ${g.cagr!.value} [${g.cagr!.interval!.low}, ${g.cagr!.interval!.high}] stated ${g.statedRate!.value!.value}`);
const linked = await all(
  (pageToken) => taxonomy.listConcepts({ parent: "datasets/-/schemes/-", filter: `series:"${series}"`, pageToken }, { timeoutMs }),
  (page) => page.concepts,
);
for (const c of linked) console.log(`concept ${c.name} ${c.prefLabels.find((l) => l.languageCode === "en")!.text}`);
try {
  await forecast.getSeries({ name: `${series}s` }, { timeoutMs });
} catch (error) {
  console.log(`not found ${resourceInfos(error).map((r) => r.resourceName)}; nearest ${nearestNames(error)}`);
}
console.log(`data version ${s.dataVersion} edition ${s.edition}`);
