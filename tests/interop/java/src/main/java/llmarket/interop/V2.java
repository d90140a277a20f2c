package llmarket.interop;

import static llmarket.interop.Client.check;
import static llmarket.interop.Client.codeOf;
import static llmarket.interop.Client.failureOf;

import com.google.rpc.ResourceInfo;
import dev.llmarket.client.DataVersion;
import dev.llmarket.client.ErrorDetails;
import dev.llmarket.client.Pages;
import dev.llmarket.client.ServiceConfig;
import dev.llmarket.forecast.v2.ComputeGrowthRequest;
import dev.llmarket.forecast.v2.ComputeGrowthResponse;
import dev.llmarket.forecast.v2.Edition;
import dev.llmarket.forecast.v2.ForecastServiceGrpc;
import dev.llmarket.forecast.v2.GetEditionRequest;
import dev.llmarket.forecast.v2.GetSeriesRequest;
import dev.llmarket.forecast.v2.Interval;
import dev.llmarket.forecast.v2.ListDatasetsRequest;
import dev.llmarket.forecast.v2.ListDatasetsResponse;
import dev.llmarket.forecast.v2.ListSeriesRequest;
import dev.llmarket.forecast.v2.ListSeriesResponse;
import dev.llmarket.forecast.v2.Observation;
import dev.llmarket.forecast.v2.ObservationKind;
import dev.llmarket.forecast.v2.Provenance;
import dev.llmarket.forecast.v2.Qualifier;
import dev.llmarket.forecast.v2.Series;
import dev.llmarket.taxonomy.v2.Concept;
import dev.llmarket.taxonomy.v2.GetConceptRequest;
import dev.llmarket.taxonomy.v2.ListConceptsRequest;
import dev.llmarket.taxonomy.v2.ListConceptsResponse;
import dev.llmarket.taxonomy.v2.TaxonomyServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import llmarket.taxonomy.v1.Taxonomy;

/**
 * The Java interop client's checks beyond the shared v1 script: contract v2 through the installed
 * dev.llmarket:llmarket-client (paging to the end, the join of both services, error details, the
 * data version), the v1 join by paging, the docs' example, the retry policy and a call across a
 * server restart, and RetryInfo from a principal's quota.
 */
final class V2 {
  private static final String DATASET = "datasets/cic-global-llm";
  private static final String EDITION = DATASET + "/editions/2026";
  private static final String SERIES = DATASET + "/series/market-size";
  private static final String LINKED = DATASET + "/schemes/industry/concepts/model-based-revenue";

  private V2() {}

  static ManagedChannel channel(String target) {
    return ServiceConfig.apply(Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())).build();
  }

  /** Contract v2: reads, paging, the join, error details and the data version. */
  static void v2(String forecastAddr, String taxonomyAddr) throws Exception {
    ManagedChannel fc = channel(forecastAddr);
    ManagedChannel tc = channel(taxonomyAddr);
    try {
      DataVersion header = new DataVersion();
      var f = ForecastServiceGrpc.newBlockingStub(fc).withInterceptors(header).withDeadlineAfter(10, TimeUnit.SECONDS);
      var t = TaxonomyServiceGrpc.newBlockingStub(tc).withDeadlineAfter(10, TimeUnit.SECONDS);

      ListDatasetsResponse datasets = f.listDatasets(ListDatasetsRequest.getDefaultInstance());
      check("v2 ListDatasets has datasets/cic-global-llm",
          datasets.getDatasetsList().stream().anyMatch(d -> d.getName().equals(DATASET)), datasets);
      check("v2: the data version in the message equals the llmarket-data-version header",
          datasets.getDataVersion().matches("[0-9a-f]{16}") && datasets.getDataVersion().equals(header.get()),
          datasets.getDataVersion() + " " + header.get());

      Series series = f.getSeries(GetSeriesRequest.newBuilder().setName(SERIES).build());
      Observation y2029 = series.getObservationsList().stream().filter(o -> o.getYear() == 2029).findFirst().orElse(null);
      Interval i = y2029 == null ? Interval.getDefaultInstance() : y2029.getValue().getInterval();
      check("v2 GetSeries: 2029 is 206.5 in [206.45, 206.55], exact, reported, forecast, from edition 2026",
          y2029 != null && y2029.getValue().getValue() == 206.5
              && i.hasLow() && Math.abs(i.getLow() - 206.45) < 1e-9 && i.hasHigh() && Math.abs(i.getHigh() - 206.55) < 1e-9
              && y2029.getValue().getQualifier() == Qualifier.QUALIFIER_EXACT
              && y2029.getProvenance() == Provenance.PROVENANCE_REPORTED
              && y2029.getKind() == ObservationKind.OBSERVATION_KIND_FORECAST
              && y2029.getEdition().equals(EDITION) && series.getEdition().equals(EDITION),
          y2029);

      ComputeGrowthResponse growth = f.computeGrowth(
          ComputeGrowthRequest.newBuilder().setName(SERIES).setStartYear(2024).setEndYear(2029).build());
      double ours = Math.pow(206.5 / 10.7, 1.0 / 5) - 1;
      Interval ci = growth.getCagr().getInterval();
      check("v2 ComputeGrowth: the CAGR is (206.5/10.7)^(1/5) - 1 and its interval holds the stated 80.7 %",
          Math.abs(growth.getCagr().getValue() - ours) < 1e-9
              && growth.getStatedRate().getValue().getValue() == 0.807
              && growth.hasAgreesWithStated() && growth.getAgreesWithStated()
              && ci.hasLow() && ci.getLow() <= 0.807 && ci.hasHigh() && 0.807 <= ci.getHigh(),
          growth.getCagr());

      // Paging to the end: two series a page, every page followed.
      Edition edition = f.getEdition(GetEditionRequest.newBuilder().setName(EDITION).build());
      AtomicInteger pages = new AtomicInteger();
      ListSeriesRequest list = ListSeriesRequest.newBuilder().setParent(DATASET).setPageSize(2).build();
      List<String> names = Pages.stream(token -> {
            pages.incrementAndGet();
            return f.listSeries(list.toBuilder().setPageToken(token).build());
          }, ListSeriesResponse::getSeriesList, ListSeriesResponse::getNextPageToken)
          .map(Series::getName).collect(Collectors.toList());
      check("v2 ListSeries two a page: every series of the edition once, over several pages",
          pages.get() > 1 && names.size() == edition.getSeriesCount() && new HashSet<>(names).size() == names.size()
              && names.contains(SERIES),
          pages.get() + " pages " + names + " of " + edition.getSeriesCount());

      // The join: the concepts linked to the series, across every scheme, every page; and back.
      ListConceptsRequest linked = ListConceptsRequest.newBuilder().setParent(DATASET + "/schemes/-")
          .setFilter("series:\"" + SERIES + "\"").setPageSize(1).build();
      List<String> concepts = Pages.stream(token -> t.listConcepts(linked.toBuilder().setPageToken(token).build()),
          ListConceptsResponse::getConceptsList, ListConceptsResponse::getNextPageToken)
          .map(Concept::getName).collect(Collectors.toList());
      check("v2 join: ListConcepts series:\"market-size\" has model-based revenue", concepts.contains(LINKED), concepts);
      Concept back = t.getConcept(GetConceptRequest.newBuilder().setName(LINKED).build());
      check("v2 join: the concept's series lists market-size", back.getSeriesList().contains(SERIES), back.getSeriesList());

      StatusRuntimeException missing = failureOf(() -> f.getSeries(GetSeriesRequest.newBuilder().setName(SERIES + "s").build()));
      List<ResourceInfo> infos = ErrorDetails.resourceInfos(missing);
      check("v2 NOT_FOUND: ResourceInfo names the missing series, ErrorInfo's nearest names market-size",
          codeOf(missing) == Status.Code.NOT_FOUND && infos.size() == 1
              && infos.get(0).getResourceName().equals(SERIES + "s")
              && infos.get(0).getResourceType().equals("llmarket.forecast.v2.Series")
              && ErrorDetails.nearestNames(missing).equals(List.of(SERIES)),
          missing);
      StatusRuntimeException invalid = failureOf(() ->
          f.listSeries(ListSeriesRequest.newBuilder().setParent(DATASET).setPageSize(-5).build()));
      check("v2 INVALID_ARGUMENT: BadRequest names page_size",
          codeOf(invalid) == Status.Code.INVALID_ARGUMENT && ErrorDetails.badRequest(invalid)
              .map(b -> b.getFieldViolationsList().stream().anyMatch(v -> v.getField().equals("page_size"))).orElse(false),
          invalid);
      StatusRuntimeException late = failureOf(() -> ForecastServiceGrpc.newBlockingStub(fc)
          .withDeadlineAfter(1, TimeUnit.NANOSECONDS).getSeries(GetSeriesRequest.newBuilder().setName(SERIES).build()));
      check("v2: a call past its deadline is DEADLINE_EXCEEDED", codeOf(late) == Status.Code.DEADLINE_EXCEEDED, late);
    } finally {
      fc.shutdownNow();
      tc.shutdownNow();
    }
  }

  /** v1: the concepts linked to the market-size series, every page of a scheme (two a page). */
  static void v1Join(String taxonomyAddr) {
    ManagedChannel tc = channel(taxonomyAddr);
    try {
      var t = llmarket.taxonomy.v1.TaxonomyServiceGrpc.newBlockingStub(tc).withDeadlineAfter(10, TimeUnit.SECONDS);
      AtomicInteger pages = new AtomicInteger();
      Taxonomy.ListConceptsRequest list = Taxonomy.ListConceptsRequest.newBuilder().setParent("schemes/industry").setPageSize(2).build();
      List<String> linked = Pages.stream(token -> {
            pages.incrementAndGet();
            return t.listConcepts(list.toBuilder().setPageToken(token).build());
          }, Taxonomy.ListConceptsResponse::getConceptsList, Taxonomy.ListConceptsResponse::getNextPageToken)
          .filter(c -> c.getSeriesList().contains("datasets/cic-global-llm-2026/series/market-size"))
          .map(Taxonomy.Concept::getName).collect(Collectors.toList());
      check("v1 join: every page of schemes/industry, model-based revenue explains market-size",
          pages.get() > 1 && linked.contains("schemes/industry/concepts/model-based-revenue"), pages.get() + " " + linked);
    } finally {
      tc.shutdownNow();
    }
  }

  /** The example of docs/consuming/java.md, its output caught. */
  static void example(String forecastAddr, String taxonomyAddr) throws Exception {
    ByteArrayOutputStream caught = new ByteArrayOutputStream();
    PrintStream out = System.out;
    System.setOut(new PrintStream(caught, true, StandardCharsets.UTF_8));
    try {
      Example.main(new String[] {forecastAddr, taxonomyAddr});
    } finally {
      System.setOut(out);
    }
    String printed = caught.toString(StandardCharsets.UTF_8);
    List<String> expected = List.of(
        "^2029: 206\\.5 \\[206\\.45, 206\\.55\\] PROVENANCE_REPORTED datasets/cic-global-llm/editions/2026$",
        "^CAGR 0\\.80\\d+ \\[0\\.80\\d+, 0\\.80\\d+\\] stated 0\\.807$",
        "^concept datasets/cic-global-llm/schemes/industry/concepts/model-based-revenue Model-based revenue$",
        "^not found datasets/cic-global-llm/series/market-sizes; nearest datasets/cic-global-llm/series/market-size$",
        "^data version [0-9a-f]{16} edition datasets/cic-global-llm/editions/2026$");
    List<String> absent = expected.stream()
        .filter(e -> !Pattern.compile(e, Pattern.MULTILINE).matcher(printed).find()).collect(Collectors.toList());
    check("the docs' example (Example.java) prints the market size, CAGR, linked concept, error and version",
        absent.isEmpty(), printed + " without " + absent);
  }

  /** Counts the attempts (streams) of the calls it is given to. */
  private static final class Attempts implements ClientInterceptor {
    final AtomicInteger count = new AtomicInteger();

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return next.newCall(method, options.withStreamTracerFactory(new ClientStreamTracer.Factory() {
        @Override
        public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
          count.incrementAndGet();
          return new ClientStreamTracer() {};
        }
      }));
    }
  }

  /** The published retry policy on UNAVAILABLE, and a call across a restart (v2 then v1). */
  static void restart(String bin) throws Exception {
    int port = Server.freePort();
    Server server = Server.start(bin, port);
    ManagedChannel channel = channel("127.0.0.1:" + port);
    try {
      Attempts attempts = new Attempts();
      var f2 = ForecastServiceGrpc.newBlockingStub(channel).withInterceptors(attempts);
      var f1 = llmarket.forecast.v1.ForecastServiceGrpc.newBlockingStub(channel);
      f2.withDeadlineAfter(10, TimeUnit.SECONDS).getSeries(GetSeriesRequest.newBuilder().setName(SERIES).build());
      server.close();

      attempts.count.set(0);
      StatusRuntimeException down = failureOf(() -> f2.withDeadlineAfter(10, TimeUnit.SECONDS)
          .getSeries(GetSeriesRequest.newBuilder().setName(SERIES).build()));
      @SuppressWarnings("unchecked")
      Map<String, ?> retry = (Map<String, ?>) ((List<Map<String, ?>>) ServiceConfig.map().get("methodConfig")).get(0).get("retryPolicy");
      int maxAttempts = ((Double) retry.get("maxAttempts")).intValue();
      check("v2 with the server down: UNAVAILABLE after the policy's " + maxAttempts + " attempts",
          codeOf(down) == Status.Code.UNAVAILABLE && attempts.count.get() == maxAttempts, down + " after " + attempts.count.get());

      // Back up while the calls wait for the channel to be ready again (waitForReady, in the deadline).
      for (String label : List.of("v2", "v1")) {
        CompletableFuture<Server> again = CompletableFuture.supplyAsync(() -> {
          try {
            Thread.sleep(300);
            return Server.start(bin, port);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        StatusRuntimeException across = failureOf(() -> {
          if (label.equals("v2")) {
            f2.withWaitForReady().withDeadlineAfter(10, TimeUnit.SECONDS).getSeries(GetSeriesRequest.newBuilder().setName(SERIES).build());
          } else {
            f1.withWaitForReady().withDeadlineAfter(10, TimeUnit.SECONDS).getSeries(
                llmarket.forecast.v1.Forecast.GetSeriesRequest.newBuilder().setName("datasets/cic-global-llm-2026/series/market-size").build());
          }
        });
        server = again.get(20, TimeUnit.SECONDS);
        check(label + ": a call made while the server restarts succeeds once it is back", across == null, across);
        server.close();
      }
    } finally {
      channel.shutdownNow();
      server.close();
    }
  }

  /** RetryInfo from a principal's quota (one call a second). */
  static void quota(String bin) throws Exception {
    Path dir = Files.createTempDirectory("llmarket-interop-java-");
    Path auth = dir.resolve("auth.toml");
    Process token = new ProcessBuilder(bin, "token", "new", "--principal", "limited", "--grant", "datasets/*",
        "--append-to", auth.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String secret = new String(token.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    token.waitFor();
    Files.writeString(auth, "\nquota = { calls_per_second = 1, burst = 1 }\n", StandardOpenOption.APPEND);
    try (Server server = Server.start(bin, Server.freePort(), "--auth-file", auth.toString())) {
      ManagedChannel channel = Grpc.newChannelBuilder(server.forecast, InsecureChannelCredentials.create()).build();
      try {
        Metadata bearer = new Metadata();
        bearer.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + secret);
        var f = ForecastServiceGrpc.newBlockingStub(channel)
            .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(bearer));
        f.withDeadlineAfter(10, TimeUnit.SECONDS).listDatasets(ListDatasetsRequest.getDefaultInstance());
        StatusRuntimeException exhausted = failureOf(() ->
            f.withDeadlineAfter(10, TimeUnit.SECONDS).listDatasets(ListDatasetsRequest.getDefaultInstance()));
        Duration delay = ErrorDetails.retryDelay(exhausted).orElse(Duration.ZERO);
        check("past the quota: RESOURCE_EXHAUSTED with a RetryInfo delay",
            codeOf(exhausted) == Status.Code.RESOURCE_EXHAUSTED && !delay.isZero() && delay.compareTo(Duration.ofSeconds(1)) <= 0,
            exhausted + " delay " + delay);
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
