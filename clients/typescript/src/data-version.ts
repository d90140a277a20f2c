// The data version: v2 messages carry it as `dataVersion`; every reply (v1 included) also carries
// it as `llmarket-data-version` response metadata, read here through connect-es' `onHeader`.

/** The response header with the data version. */
export const DATA_VERSION_HEADER = "llmarket-data-version";

/** The data version of a set of response headers, or "" when absent. */
export function dataVersionOf(headers: Headers): string {
  return headers.get(DATA_VERSION_HEADER) ?? "";
}

/** Records the data version of the replies of the calls it is passed to:
 * `const v = new DataVersion(); await client.getSeries(req, { onHeader: v.onHeader }); v.value`. */
export class DataVersion {
  /** The version of the last reply seen; "" before any. */
  value = "";
  /** Pass as the `onHeader` call option. */
  readonly onHeader = (headers: Headers): void => {
    this.value = dataVersionOf(headers);
  };
}
