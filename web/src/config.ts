// Where the page finds the services, from the query string, with the defaults of
// `llmarket-server all`: ?forecast=http://127.0.0.1:50051&taxonomy=http://127.0.0.1:50052
// &dataset=datasets/cic-global-llm&lang=zh (or en); the dataset is a v2 name and its latest
// edition answers.
import type { Lang } from "./i18n.js";

/** The gRPC-Web base URL of the forecast service when `?forecast=` is not given. */
export const DEFAULT_FORECAST = "http://127.0.0.1:50051";
/** The gRPC-Web base URL of the taxonomy service when `?taxonomy=` is not given. */
export const DEFAULT_TAXONOMY = "http://127.0.0.1:50052";
/** The dataset shown when `?dataset=` is not given. */
export const DEFAULT_DATASET = "datasets/cic-global-llm";

/** What the page calls and in which language it starts. */
export interface Config {
  forecast: string;
  taxonomy: string;
  dataset: string;
  lang: Lang;
}

/** The configuration of a query string (`location.search`); `browserLanguage` picks the
 * language when `?lang=` is absent (Chinese for any `zh…`, English otherwise). */
export function configOf(search: string, browserLanguage: string): Config {
  const query = new URLSearchParams(search);
  const asked = query.get("lang");
  const lang: Lang =
    asked === "zh" || asked === "en" ? asked : browserLanguage.toLowerCase().startsWith("zh") ? "zh" : "en";
  return {
    forecast: trimSlash(query.get("forecast") || DEFAULT_FORECAST),
    taxonomy: trimSlash(query.get("taxonomy") || DEFAULT_TAXONOMY),
    dataset: query.get("dataset") || DEFAULT_DATASET,
    lang,
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
