// The calls the page makes, over gRPC-Web with the generated connect-es client: the forecast
// service's numbers (once; titles come in both languages) and the taxonomy service's words (again
// for each language, since labels come in the language asked for). Each service is loaded on its
// own so that one being down loses only its part of the page.
import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import {
  type ComputeGrowthResponse,
  type Dataset,
  Fill,
  ForecastService,
  type GetBreakdownResponse,
  type Observation,
  type Series,
  Transform,
} from "../gen/llmarket/forecast/v1/forecast_pb.js";
import { type Concept, type Milestone, TaxonomyService } from "../gen/llmarket/taxonomy/v1/taxonomy_pb.js";

/** The series of the total market. */
export const MARKET_SIZE_SERIES = "market-size";
/** The scheme of capability levels. */
export const CAPABILITY_LEVELS_SCHEME = "schemes/capability-levels";
/** The schemes of what drives the market, where it is heading and what protects the leaders. */
export const CONTEXT_SCHEMES = ["schemes/drivers", "schemes/trends", "schemes/barriers"] as const;
/** The attribute marking the level the report calls current. */
export const CURRENT_LEVEL_ATTRIBUTE = "current_level";

const timeoutMs = 10_000;

/** Everything the forecast service says for the page. */
export interface Numbers {
  dataset: Dataset;
  /** The market series with its stated observations and rates. */
  series: Series;
  /** Every year of the series, stated and (interpolated between stated years) derived. */
  observations: Observation[];
  /** The CAGR over the series' whole span, computed and as stated. */
  growth: ComputeGrowthResponse;
  /** The latest year in which every component is stated. */
  breakdown: GetBreakdownResponse;
}

/** Everything the taxonomy service says for the page, in one language. */
export interface Words {
  /** The capability levels, lowest first. */
  levels: Concept[];
  /** Every milestone, in time order. */
  milestones: Milestone[];
  /** The concepts of each of CONTEXT_SCHEMES, in that order. */
  context: Concept[][];
  /** The language asked for was not there; the texts are in the source language. */
  languageFallback: boolean;
}

/** The clients of both services. */
export interface Services {
  forecast: Client<typeof ForecastService>;
  taxonomy: Client<typeof TaxonomyService>;
}

/** gRPC-Web clients for the two base URLs. */
export function connect(forecastUrl: string, taxonomyUrl: string): Services {
  return {
    forecast: createClient(ForecastService, createGrpcWebTransport({ baseUrl: forecastUrl })),
    taxonomy: createClient(TaxonomyService, createGrpcWebTransport({ baseUrl: taxonomyUrl })),
  };
}

/** The forecast service's part of the page, for `dataset` (`datasets/{dataset}`). */
export async function loadNumbers(services: Services, dataset: string): Promise<Numbers> {
  const f = services.forecast;
  const series = `${dataset}/series/${MARKET_SIZE_SERIES}`;
  const [info, stated, observations, growth, breakdown] = await Promise.all([
    f.getDataset({ name: dataset }, { timeoutMs }),
    f.getSeries({ name: series }, { timeoutMs }),
    f.getObservations({ series, transform: Transform.NONE, fill: Fill.CAGR_INTERPOLATE }, { timeoutMs }),
    f.computeGrowth({ series, fill: Fill.CAGR_INTERPOLATE }, { timeoutMs }),
    f.getBreakdown({ series, fill: Fill.NONE }, { timeoutMs }),
  ]);
  if (info.dataset === undefined || stated.series === undefined) {
    throw new ConnectError(`the forecast service answered without the dataset or series ${series}`, Code.Internal);
  }
  return {
    dataset: info.dataset,
    series: stated.series,
    observations: observations.observations,
    growth,
    breakdown,
  };
}

/** The taxonomy service's part of the page, texts in `languageCode` (BCP-47). */
export async function loadWords(services: Services, languageCode: string): Promise<Words> {
  const x = services.taxonomy;
  const concepts = (parent: string) =>
    everyPage(async (pageToken) => {
      const r = await x.listConcepts({ parent, pageToken, languageCode }, { timeoutMs });
      return { items: r.concepts, next: r.nextPageToken, fallback: r.languageFallback };
    });
  const [levels, milestones, ...context] = await Promise.all([
    concepts(CAPABILITY_LEVELS_SCHEME),
    everyPage(async (pageToken) => {
      const r = await x.listMilestones({ pageToken, languageCode }, { timeoutMs });
      return { items: r.milestones, next: r.nextPageToken, fallback: r.languageFallback };
    }),
    ...CONTEXT_SCHEMES.map(concepts),
  ]);
  return {
    levels: levels.items,
    milestones: milestones.items,
    context: context.map((c) => c.items),
    languageFallback: levels.fallback || milestones.fallback || context.some((c) => c.fallback),
  };
}

interface Page<T> {
  items: T[];
  next: string;
  fallback: boolean;
}

/** Every item of a paged list (AIP-158), following the page tokens. */
async function everyPage<T>(page: (token: string) => Promise<Page<T>>): Promise<Page<T>> {
  const all: T[] = [];
  let token = "";
  let fallback = false;
  // A bound on the pages, so that a server repeating a token cannot loop the page forever.
  for (let pages = 0; pages < 100; pages++) {
    const got = await page(token);
    all.push(...got.items);
    fallback ||= got.fallback;
    if (got.next === "") break;
    token = got.next;
  }
  return { items: all, next: "", fallback };
}
