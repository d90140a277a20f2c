package dev.llmarket.client;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Page iteration (AIP-158): every item of every page of a list call, fetched lazily as the
 * iteration reaches it. Example: {@code Pages.stream(token ->
 * stub.listSeries(request.toBuilder().setPageToken(token).build()),
 * ListSeriesResponse::getSeriesList, ListSeriesResponse::getNextPageToken)}.
 */
public final class Pages {
  private Pages() {}

  /** Every item, as an Iterable: each new iteration starts again from the first page. */
  public static <R, T> Iterable<T> iterable(
      Function<String, R> page, Function<R, List<T>> items, Function<R, String> nextPageToken) {
    return () -> new PageIterator<>(page, items, nextPageToken);
  }

  /** Every item, as a sequential Stream. */
  public static <R, T> Stream<T> stream(
      Function<String, R> page, Function<R, List<T>> items, Function<R, String> nextPageToken) {
    return StreamSupport.stream(iterable(page, items, nextPageToken).spliterator(), false);
  }

  private static final class PageIterator<R, T> implements Iterator<T> {
    private final Function<String, R> page;
    private final Function<R, List<T>> items;
    private final Function<R, String> nextPageToken;
    private Iterator<T> current = null;
    private String token = "";
    private boolean last = false;

    PageIterator(Function<String, R> page, Function<R, List<T>> items, Function<R, String> next) {
      this.page = page;
      this.items = items;
      this.nextPageToken = next;
    }

    @Override
    public boolean hasNext() {
      while (current == null || !current.hasNext()) {
        if (last) {
          return false;
        }
        R response = page.apply(token);
        String next = nextPageToken.apply(response);
        if (!next.isEmpty() && next.equals(token)) {
          throw new IllegalStateException("the server repeated the page token " + token);
        }
        current = items.apply(response).iterator();
        last = next.isEmpty();
        token = next;
      }
      return true;
    }

    @Override
    public T next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return current.next();
    }
  }
}
