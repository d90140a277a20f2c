// The Java interop client: the interop script (tests/interop/README.md) against the real servers, with
// grpc-java and the INSTALLED artifact dev.llmarket:llmarket-client (clients/java, `mvn install`ed
// by tests/interop/run.sh): contract v1 here, v2 and the conventions (paging, restarts, error
// details, the data version, the join of both services) in V2.java.
//
// Usage: Client FORECAST TAXONOMY TLS_FORECAST TLS_TAXONOMY CA_PEM SERVER_BIN (token in LLMARKET_TOKEN)
// Prints "ok"/"FAIL" per check, then "java: N passed, N failed"; exits 1 on any failure.
package llmarket.interop;

import dev.llmarket.client.DataVersion;
import dev.llmarket.client.ErrorDetails;
import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.io.File;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import llmarket.forecast.v1.Forecast.ComputeGrowthRequest;
import llmarket.forecast.v1.Forecast.ComputeGrowthResponse;
import llmarket.forecast.v1.Forecast.GetSeriesRequest;
import llmarket.forecast.v1.Forecast.ListDatasetsRequest;
import llmarket.forecast.v1.Forecast.Observation;
import llmarket.forecast.v1.Forecast.ObservationKind;
import llmarket.forecast.v1.Forecast.Provenance;
import llmarket.forecast.v1.Forecast.Qualifier;
import llmarket.forecast.v1.Forecast.StatedRate;
import llmarket.forecast.v1.ForecastServiceGrpc;
import llmarket.taxonomy.v1.Taxonomy.GetConceptRequest;
import llmarket.taxonomy.v1.Taxonomy.GetConceptResponse;
import llmarket.taxonomy.v1.Taxonomy.SearchConceptsRequest;
import llmarket.taxonomy.v1.Taxonomy.SearchHit;
import llmarket.taxonomy.v1.TaxonomyServiceGrpc;

/** Runs the interop script and prints its tally. */
public final class Client {
  private static final String DATASET = "datasets/cic-global-llm-2026";
  private static final String SERIES = DATASET + "/series/market-size";
  private static final String CONCEPT = "schemes/trends/concepts/cot-reasoning-models";

  private static int passed;
  private static int failed;

  private Client() {}

  static void check(String name, boolean ok, Object detail) {
    if (ok) {
      passed++;
      System.out.println("ok   " + name);
    } else {
      failed++;
      System.out.println("FAIL " + name + " " + detail);
    }
  }

  /** Runs one call; returns the failure, or null when it succeeded. */
  interface Call {
    void run() throws Exception;
  }

  static StatusRuntimeException failureOf(Call call) throws Exception {
    try {
      call.run();
      return null;
    } catch (StatusRuntimeException e) {
      return e;
    }
  }

  static Status.Code codeOf(StatusRuntimeException e) {
    return e == null ? Status.Code.OK : e.getStatus().getCode();
  }

  private static void forecast(ForecastServiceGrpc.ForecastServiceBlockingStub f) throws Exception {
    DataVersion version = new DataVersion();
    boolean found =
        f.withInterceptors(version).listDatasets(ListDatasetsRequest.getDefaultInstance()).getDatasetsList().stream()
            .anyMatch(d -> d.getName().equals(DATASET));
    check("ListDatasets has the built-in dataset", found, "");
    check("v1: the data version from the llmarket-data-version header", version.get().matches("[0-9a-f]{16}"), version.get());

    Map<Integer, Observation> byYear = new HashMap<>();
    for (Observation o :
        f.getSeries(GetSeriesRequest.newBuilder().setName(SERIES).build()).getSeries().getObservationsList()) {
      byYear.put(o.getYear(), o);
    }
    check("GetSeries: 2024 is 10.7, exact, reported, actual",
        stated(byYear.get(2024), 10.7, ObservationKind.OBSERVATION_KIND_ACTUAL), byYear.get(2024));
    check("GetSeries: 2029 is 206.5, exact, reported, forecast",
        stated(byYear.get(2029), 206.5, ObservationKind.OBSERVATION_KIND_FORECAST), byYear.get(2029));

    ComputeGrowthResponse growth = f.computeGrowth(
        ComputeGrowthRequest.newBuilder().setSeries(SERIES).setStartYear(2024).setEndYear(2029).build());
    double ours = Math.pow(206.5 / 10.7, 1.0 / 5) - 1;
    check("ComputeGrowth: CAGR is (206.5/10.7)^(1/5) - 1", Math.abs(growth.getCagr() - ours) < 1e-9, growth.getCagr());
    StatedRate rate = growth.getStatedRate();
    check("ComputeGrowth: the stated 80.7 % lies within the rounding of the computed CAGR",
        rate.getValue() == 0.807 && growth.getAgreesWithStated()
            && rate.getValue() + rate.getResolution() / 2 >= growth.getCagrLow()
            && rate.getValue() - rate.getResolution() / 2 <= growth.getCagrHigh(),
        growth);

    StatusRuntimeException missing = failureOf(() ->
        f.getSeries(GetSeriesRequest.newBuilder().setName(DATASET + "/series/no-such-series").build()));
    check("GetSeries of a missing series is NOT_FOUND",
        codeOf(missing) == Status.Code.NOT_FOUND && missing.getStatus().getDescription().contains("no-such-series"),
        missing);

    StatusRuntimeException invalid = failureOf(() ->
        f.listDatasets(ListDatasetsRequest.newBuilder().setPageSize(-5).build()));
    String field = invalid == null ? "" : ErrorDetails.badRequest(invalid)
        .filter(b -> b.getFieldViolationsCount() > 0).map(b -> b.getFieldViolations(0).getField()).orElse("");
    check("a negative page_size is INVALID_ARGUMENT with a BadRequest naming page_size",
        codeOf(invalid) == Status.Code.INVALID_ARGUMENT && field.equals("page_size"), invalid);

    StatusRuntimeException late = failureOf(() ->
        f.withDeadlineAfter(1, TimeUnit.NANOSECONDS).listDatasets(ListDatasetsRequest.getDefaultInstance()));
    check("a call past its deadline is DEADLINE_EXCEEDED", codeOf(late) == Status.Code.DEADLINE_EXCEEDED, late);
  }

  private static boolean stated(Observation o, double value, ObservationKind kind) {
    return o != null && o.getValue() == value && o.getQualifier() == Qualifier.QUALIFIER_EXACT
        && o.getProvenance() == Provenance.PROVENANCE_REPORTED && o.getKind() == kind;
  }

  private static void taxonomy(TaxonomyServiceGrpc.TaxonomyServiceBlockingStub t) {
    Set<String> names = new HashSet<>();
    for (SearchHit hit : t.searchConcepts(SearchConceptsRequest.newBuilder()
        .setQuery("推理").setLanguageCode("en").setPageSize(100).build()).getHitsList()) {
      names.add(hit.getConcept().getName());
    }
    check("SearchConcepts 推理 finds the inference scaling law (drivers)",
        names.contains("schemes/drivers/concepts/inference-scaling-law"), names);
    check("SearchConcepts 推理 finds reasoning models (trends)", names.contains(CONCEPT), names);

    GetConceptResponse zh = t.getConcept(GetConceptRequest.newBuilder().setName(CONCEPT).setLanguageCode("zh").build());
    check("GetConcept in zh", zh.getConcept().getPrefLabel().equals("CoT (思维链) 与推理模型涌现"), zh.getConcept().getPrefLabel());
    GetConceptResponse en = t.getConcept(GetConceptRequest.newBuilder().setName(CONCEPT).setLanguageCode("en").build());
    check("GetConcept in en",
        en.getConcept().getPrefLabel().equals("Chain of thought and the rise of reasoning models")
            && en.getLanguageCode().equals("en"),
        en.getConcept().getPrefLabel());
  }

  /** Sends `authorization: Bearer <token>` on every call. */
  private static final class Bearer extends CallCredentials {
    private static final Metadata.Key<String> AUTHORIZATION =
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private final String token;

    Bearer(String token) {
      this.token = token;
    }

    @Override
    public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, "Bearer " + token);
      applier.apply(headers);
    }
  }

  private static void overTls(String forecastAddr, String taxonomyAddr, String caPath, String token) throws Exception {
    ChannelCredentials tls = TlsChannelCredentials.newBuilder().trustManager(new File(caPath)).build();
    ManagedChannel forecast = Grpc.newChannelBuilder(forecastAddr, tls).build();
    ManagedChannel taxonomy = Grpc.newChannelBuilder(taxonomyAddr, tls).build();
    try {
      Bearer bearer = new Bearer(token);
      StatusRuntimeException withToken = failureOf(() -> ForecastServiceGrpc.newBlockingStub(forecast)
          .withCallCredentials(bearer).withDeadlineAfter(10, TimeUnit.SECONDS)
          .getSeries(GetSeriesRequest.newBuilder().setName(SERIES).build()));
      check("over TLS with a bearer token: GetSeries", withToken == null, withToken);
      StatusRuntimeException concept = failureOf(() -> TaxonomyServiceGrpc.newBlockingStub(taxonomy)
          .withCallCredentials(bearer).withDeadlineAfter(10, TimeUnit.SECONDS)
          .getConcept(GetConceptRequest.newBuilder().setName(CONCEPT).build()));
      check("over TLS with a bearer token: GetConcept", concept == null, concept);
      StatusRuntimeException without = failureOf(() -> ForecastServiceGrpc.newBlockingStub(forecast)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .getSeries(GetSeriesRequest.newBuilder().setName(SERIES).build()));
      check("over TLS without the token: UNAUTHENTICATED", codeOf(without) == Status.Code.UNAUTHENTICATED, without);
    } finally {
      forecast.shutdownNow();
      taxonomy.shutdownNow();
    }
  }

  /** Entry point; see the file comment for the arguments. */
  public static void main(String[] args) throws Exception {
    String token = System.getenv("LLMARKET_TOKEN");
    if (args.length != 6 || token == null || token.isEmpty()) {
      System.err.println("usage: Client FORECAST TAXONOMY TLS_FORECAST TLS_TAXONOMY CA_PEM SERVER_BIN (token in LLMARKET_TOKEN)");
      System.exit(64);
    }
    ManagedChannel forecast = Grpc.newChannelBuilder(args[0], InsecureChannelCredentials.create()).build();
    ManagedChannel taxonomy = Grpc.newChannelBuilder(args[1], InsecureChannelCredentials.create()).build();
    try {
      forecast(ForecastServiceGrpc.newBlockingStub(forecast).withDeadlineAfter(10, TimeUnit.SECONDS));
      taxonomy(TaxonomyServiceGrpc.newBlockingStub(taxonomy).withDeadlineAfter(10, TimeUnit.SECONDS));
      overTls(args[2], args[3], args[4], token);
      V2.v1Join(args[1]);
      V2.v2(args[0], args[1]);
      V2.example(args[0], args[1]);
      V2.restart(args[5]);
      V2.quota(args[5]);
    } catch (StatusRuntimeException e) {
      check("every call of the script answers", false, e);
    } finally {
      forecast.shutdownNow();
      taxonomy.shutdownNow();
    }
    System.out.println("java: " + passed + " passed, " + failed + " failed");
    System.exit(failed == 0 ? 0 : 1);
  }
}
