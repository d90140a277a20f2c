// The calls the page makes, over gRPC-Web with the generated connect-es client of contract v2:
// the forecast service's numbers and the taxonomy service's words, once each (v2 gives every text
// in every language the data has; the page picks its language, see text.ts). Each service is
// loaded on its own so that one being down loses only its part of the page. Every read names no
// edition, so the dataset's latest answers; the page shows which one (Numbers.edition).
import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import {
  type ComputeBreakdownResponse,
  type ComputeGrowthResponse,
  type Dataset,
  type Edition,
  Fill,
  ForecastService,
  type Observation,
  type Series,
  Transform,
} from "@llmarket/client/forecast/v2";
import { type Concept, ConceptView, type Milestone, TaxonomyService } from "@llmarket/client/taxonomy/v2";

/** The series of the total market. */
export const MARKET_SIZE_SERIES = "market-size";
/** The scheme of capability levels (under the dataset). */
export const CAPABILITY_LEVELS_SCHEME = "schemes/capability-levels";
/** The schemes of what drives the market, where it is heading and what protects the leaders. */
export const CONTEXT_SCHEMES = ["schemes/drivers", "schemes/trends", "schemes/barriers"] as const;
/** The attribute marking the level the report calls current. */
export const CURRENT_LEVEL_ATTRIBUTE = "current_level";

const timeoutMs = 10_000;

/** Everything the forecast service says for the page. */
export interface Numbers {
  dataset: Dataset;
  /** The edition every figure comes from: the dataset's latest. */
  edition: Edition;
  /** The market series with its stated observations and rates. */
  series: Series;
  /** Every year of the series, stated and (interpolated between stated years) derived. */
  observations: Observation[];
  /** The CAGR over the series' whole span, computed and as stated. */
  growth: ComputeGrowthResponse;
  /** The latest year in which every component is stated. */
  breakdown: ComputeBreakdownResponse;
}

/** Everything the taxonomy service says for the page (texts in every language it has). */
export interface Words {
  /** The capability levels, lowest first. */
  levels: Concept[];
  /** Every milestone, in time order. */
  milestones: Milestone[];
  /** The concepts of each of CONTEXT_SCHEMES, in that order. */
  context: Concept[][];
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
  const name = `${dataset}/series/${MARKET_SIZE_SERIES}`;
  const [info, series, observations, growth, breakdown] = await Promise.all([
    f.getDataset({ name: dataset }, { timeoutMs }),
    f.getSeries({ name }, { timeoutMs }),
    f.queryObservations({ name, transform: Transform.NONE, fill: Fill.CAGR_INTERPOLATE }, { timeoutMs }),
    f.computeGrowth({ name, fill: Fill.CAGR_INTERPOLATE }, { timeoutMs }),
    f.computeBreakdown({ name, fill: Fill.NONE }, { timeoutMs }),
  ]);
  if (series.edition === "") {
    throw new ConnectError(`the forecast service answered ${name} without its edition`, Code.Internal);
  }
  const edition = await f.getEdition({ name: series.edition }, { timeoutMs });
  return { dataset: info, edition, series, observations: observations.observations, growth, breakdown };
}

/** The taxonomy service's part of the page, for `dataset` (`datasets/{dataset}`). */
export async function loadWords(services: Services, dataset: string): Promise<Words> {
  const x = services.taxonomy;
  const concepts = (scheme: string) =>
    everyPage(async (pageToken) => {
      const r = await x.listConcepts({ parent: `${dataset}/${scheme}`, pageToken, view: ConceptView.FULL }, { timeoutMs });
      return { items: r.concepts, next: r.nextPageToken };
    });
  const [levels, milestones, ...context] = await Promise.all([
    concepts(CAPABILITY_LEVELS_SCHEME),
    everyPage(async (pageToken) => {
      const r = await x.listMilestones({ parent: dataset, pageToken }, { timeoutMs });
      return { items: r.milestones, next: r.nextPageToken };
    }),
    ...CONTEXT_SCHEMES.map(concepts),
  ]);
  return { levels, milestones, context };
}

interface Page<T> {
  items: T[];
  next: string;
}

/** Every item of a paged list (AIP-158), following the page tokens. */
async function everyPage<T>(page: (token: string) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  let token = "";
  // A bound on the pages, so that a server repeating a token cannot loop the page forever.
  for (let pages = 0; pages < 100; pages++) {
    const got = await page(token);
    all.push(...got.items);
    if (got.next === "") break;
    token = got.next;
  }
  return all;
}
