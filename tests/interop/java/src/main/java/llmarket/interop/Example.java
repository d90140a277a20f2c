// Consuming llmarket from Java (docs/consuming/java.md shows this file): the market size with its
// intervals and provenance, the CAGR and the concepts linked to the series, on contract v2.
// Run: mvn -q compile exec:java -Dexec.mainClass=llmarket.interop.Example -Dexec.args="127.0.0.1:50051 127.0.0.1:50052"
package llmarket.interop;

import dev.llmarket.client.ErrorDetails;
import dev.llmarket.client.Pages;
import dev.llmarket.client.ServiceConfig;
import dev.llmarket.forecast.v2.*;
import dev.llmarket.taxonomy.v2.*;
import io.grpc.*;
import java.util.concurrent.TimeUnit;

/** Prints what both services say about the market-size series. */
public final class Example {
  public static void main(String[] args) throws Exception {
    // The published retry policy and 10 s timeout; each call below also sets its own deadline.
    ManagedChannel fc = ServiceConfig.apply(Grpc.newChannelBuilder(args[0], InsecureChannelCredentials.create())).build();
    ManagedChannel tc = ServiceConfig.apply(Grpc.newChannelBuilder(args[1], InsecureChannelCredentials.create())).build();
    var forecast = ForecastServiceGrpc.newBlockingStub(fc);
    var taxonomy = TaxonomyServiceGrpc.newBlockingStub(tc);
    String series = "datasets/cic-global-llm/series/market-size";

    Series s = forecast.withDeadlineAfter(10, TimeUnit.SECONDS).getSeries(GetSeriesRequest.newBuilder().setName(series).build());
    for (Observation o : s.getObservationsList()) {
      Interval i = o.getValue().getInterval();
      System.out.printf("%d: %s [%s, %s] %s %s%n", o.getYear(), o.getValue().getValue(), i.hasLow() ? i.getLow() : "open",
          i.hasHigh() ? i.getHigh() : "open", o.getProvenance(), o.getEdition());
    }
    ComputeGrowthResponse g = forecast.withDeadlineAfter(10, TimeUnit.SECONDS).computeGrowth(
        ComputeGrowthRequest.newBuilder().setName(series).setStartYear(2024).setEndYear(2029).build());
    System.out.printf("CAGR %s [%s, %s] stated %s%n", g.getCagr().getValue(), g.getCagr().getInterval().getLow(),
        g.getCagr().getInterval().getHigh(), g.getStatedRate().getValue().getValue());
    ListConceptsRequest linked = ListConceptsRequest.newBuilder().setParent("datasets/-/schemes/-").setFilter("series:\"" + series + "\"").build();
    for (Concept c : Pages.iterable(token -> taxonomy.withDeadlineAfter(10, TimeUnit.SECONDS).listConcepts(linked.toBuilder().setPageToken(token).build()),
        ListConceptsResponse::getConceptsList, ListConceptsResponse::getNextPageToken)) {
      System.out.printf("concept %s %s%n", c.getName(), c.getPrefLabelsList().stream().filter(l -> l.getLanguageCode().equals("en")).findFirst().orElseThrow().getText());
    }
    try {
      forecast.withDeadlineAfter(10, TimeUnit.SECONDS).getSeries(GetSeriesRequest.newBuilder().setName(series + "s").build());
    } catch (StatusRuntimeException e) {
      System.out.printf("not found %s; nearest %s%n", ErrorDetails.resourceInfos(e).get(0).getResourceName(), String.join(",", ErrorDetails.nearestNames(e)));
    }
    System.out.printf("data version %s edition %s%n", s.getDataVersion(), s.getEdition());
    fc.shutdownNow();
    tc.shutdownNow();
  }
}
