// Page iteration (AIP-158) as async iterators: every page of a list, or every item of every page.

/** A list response: anything with a `nextPageToken`. */
export interface Paged {
  nextPageToken: string;
}

/** Yields every page, calling `page` with each page token ("" first) until the token is empty.
 * A server handing back the token it was given would loop: that throws instead. */
export async function* pages<R extends Paged>(page: (pageToken: string) => Promise<R>): AsyncGenerator<R> {
  let token = "";
  for (;;) {
    const response = await page(token);
    yield response;
    if (response.nextPageToken === "") return;
    if (response.nextPageToken === token) throw new Error(`the server repeated the page token ${token}`);
    token = response.nextPageToken;
  }
}

/** Yields every item of every page: `items(t => client.listSeries({ parent, pageToken: t }), r => r.series)`. */
export async function* items<R extends Paged, T>(
  page: (pageToken: string) => Promise<R>,
  itemsOf: (response: R) => T[],
): AsyncGenerator<T> {
  for await (const response of pages(page)) yield* itemsOf(response);
}

/** Every item of every page, in one array. */
export async function all<R extends Paged, T>(
  page: (pageToken: string) => Promise<R>,
  itemsOf: (response: R) => T[],
): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items(page, itemsOf)) out.push(item);
  return out;
}
