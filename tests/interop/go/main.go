// The Go interop client: the interop script (tests/interop/README.md) against the real servers,
// through the Go module llmarket.dev/go as a user consumes it (go.mod: require and a replace to
// the checkout's clients/go), with grpc-go. v1 checks here and in v1.go, v2 checks in v2.go, the
// retry across a restart in restart.go.
//
// Usage: go run . FORECAST TAXONOMY TLS_FORECAST TLS_TAXONOMY CA_PEM RESTART_FORECAST RESTART_TAXONOMY RESTART_CONTROL
// (tokens in LLMARKET_TOKEN and, for a principal with a quota of 1 call a second, LLMARKET_THROTTLED_TOKEN;
// RESTART_* a server tests/interop/run.sh restarts on request, see restart.go)
// Prints "ok"/"FAIL" per check, then "go: N passed, N failed"; exits 1 on any failure.
package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/credentials/oauth"
	"google.golang.org/grpc/status"

	llmarket "llmarket.dev/go"
	forecastv2 "llmarket.dev/go/llmarket/forecast/v2"
	taxonomyv2 "llmarket.dev/go/llmarket/taxonomy/v2"

	forecastpb "llmarket.dev/go/llmarket/forecast/v1"
	taxonomypb "llmarket.dev/go/llmarket/taxonomy/v1"
)

const (
	dataset = "datasets/cic-global-llm-2026"
	series  = dataset + "/series/market-size"
	concept = "schemes/trends/concepts/cot-reasoning-models"
)

var passed, failed int

func check(name string, ok bool, detail ...any) {
	if ok {
		passed++
		fmt.Println("ok  ", name)
	} else {
		failed++
		fmt.Println("FAIL", name, fmt.Sprint(detail...))
	}
}

func ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

func dial(addr string, opts ...grpc.DialOption) *grpc.ClientConn {
	conn, err := grpc.NewClient(addr, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go: cannot open a channel to", addr, ":", err)
		os.Exit(1)
	}
	return conn
}

func forecastScript(f forecastpb.ForecastServiceClient) {
	c, cancel := ctx()
	defer cancel()

	datasets, err := f.ListDatasets(c, &forecastpb.ListDatasetsRequest{})
	found := false
	for _, d := range datasets.GetDatasets() {
		found = found || d.GetName() == dataset
	}
	check("ListDatasets has the built-in dataset", err == nil && found, err)

	got, err := f.GetSeries(c, &forecastpb.GetSeriesRequest{Name: series})
	byYear := map[int32]*forecastpb.Observation{}
	for _, o := range got.GetSeries().GetObservations() {
		byYear[o.GetYear()] = o
	}
	stated := func(year int32, value float64, kind forecastpb.ObservationKind) bool {
		o := byYear[year]
		return o != nil && o.GetValue() == value && o.GetQualifier() == forecastpb.Qualifier_QUALIFIER_EXACT &&
			o.GetProvenance() == forecastpb.Provenance_PROVENANCE_REPORTED && o.GetKind() == kind
	}
	check("GetSeries: 2024 is 10.7, exact, reported, actual", err == nil && stated(2024, 10.7, forecastpb.ObservationKind_OBSERVATION_KIND_ACTUAL), err, byYear[2024])
	check("GetSeries: 2029 is 206.5, exact, reported, forecast", err == nil && stated(2029, 206.5, forecastpb.ObservationKind_OBSERVATION_KIND_FORECAST), err, byYear[2029])

	growth, err := f.ComputeGrowth(c, &forecastpb.ComputeGrowthRequest{Series: series, StartYear: 2024, EndYear: 2029})
	ours := math.Pow(206.5/10.7, 1.0/5) - 1
	rate := growth.GetStatedRate()
	check("ComputeGrowth: CAGR is (206.5/10.7)^(1/5) - 1", err == nil && math.Abs(growth.GetCagr()-ours) < 1e-9, err, growth.GetCagr())
	check("ComputeGrowth: the stated 80.7 % lies within the rounding of the computed CAGR",
		err == nil && rate.GetValue() == 0.807 && growth.GetAgreesWithStated() &&
			rate.GetValue()+rate.GetResolution()/2 >= growth.GetCagrLow() &&
			rate.GetValue()-rate.GetResolution()/2 <= growth.GetCagrHigh(),
		err, rate, growth.GetCagrLow(), growth.GetCagrHigh())

	_, err = f.GetSeries(c, &forecastpb.GetSeriesRequest{Name: dataset + "/series/no-such-series"})
	check("GetSeries of a missing series is NOT_FOUND", status.Code(err) == codes.NotFound &&
		strings.Contains(status.Convert(err).Message(), "no-such-series"), err)

	_, err = f.ListDatasets(c, &forecastpb.ListDatasetsRequest{PageSize: -5})
	field := ""
	for _, detail := range status.Convert(err).Details() {
		if bad, ok := detail.(*errdetails.BadRequest); ok && len(bad.GetFieldViolations()) > 0 {
			field = bad.GetFieldViolations()[0].GetField()
		}
	}
	check("a negative page_size is INVALID_ARGUMENT with a BadRequest naming page_size",
		status.Code(err) == codes.InvalidArgument && field == "page_size", err)

	short, cancelShort := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancelShort()
	time.Sleep(time.Millisecond)
	_, err = f.ListDatasets(short, &forecastpb.ListDatasetsRequest{})
	check("a call past its deadline is DEADLINE_EXCEEDED", status.Code(err) == codes.DeadlineExceeded, err)
}

func taxonomyScript(t taxonomypb.TaxonomyServiceClient) {
	c, cancel := ctx()
	defer cancel()

	found, err := t.SearchConcepts(c, &taxonomypb.SearchConceptsRequest{Query: "推理", LanguageCode: "en", PageSize: 100})
	names := map[string]bool{}
	for _, hit := range found.GetHits() {
		names[hit.GetConcept().GetName()] = true
	}
	check("SearchConcepts 推理 finds the inference scaling law (drivers)", err == nil && names["schemes/drivers/concepts/inference-scaling-law"], err, names)
	check("SearchConcepts 推理 finds reasoning models (trends)", err == nil && names[concept], err, names)

	zh, err := t.GetConcept(c, &taxonomypb.GetConceptRequest{Name: concept, LanguageCode: "zh"})
	check("GetConcept in zh", err == nil && zh.GetConcept().GetPrefLabel() == "CoT (思维链) 与推理模型涌现", err, zh.GetConcept().GetPrefLabel())
	en, err := t.GetConcept(c, &taxonomypb.GetConceptRequest{Name: concept, LanguageCode: "en"})
	check("GetConcept in en", err == nil && en.GetConcept().GetPrefLabel() == "Chain of thought and the rise of reasoning models" &&
		en.GetLanguageCode() == "en", err, en.GetConcept().GetPrefLabel())
}

func tlsScript(forecastAddr, taxonomyAddr, caPath, token string) {
	creds, err := credentials.NewClientTLSFromFile(caPath, "")
	if err != nil {
		check("read the CA certificate", false, err)
		return
	}
	bearer := oauth.TokenSource{TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token})}
	c, cancel := ctx()
	defer cancel()

	withToken := dial(forecastAddr, grpc.WithTransportCredentials(creds), grpc.WithPerRPCCredentials(bearer))
	defer withToken.Close()
	got, err := forecastpb.NewForecastServiceClient(withToken).GetSeries(c, &forecastpb.GetSeriesRequest{Name: series})
	check("over TLS with a bearer token: GetSeries", err == nil && got.GetSeries().GetName() == series, err)

	taxonomy := dial(taxonomyAddr, grpc.WithTransportCredentials(creds), grpc.WithPerRPCCredentials(bearer))
	defer taxonomy.Close()
	concepts, err := taxonomypb.NewTaxonomyServiceClient(taxonomy).GetConcept(c, &taxonomypb.GetConceptRequest{Name: concept})
	check("over TLS with a bearer token: GetConcept", err == nil && concepts.GetConcept().GetName() == concept, err)

	without := dial(forecastAddr, grpc.WithTransportCredentials(creds))
	defer without.Close()
	_, err = forecastpb.NewForecastServiceClient(without).GetSeries(c, &forecastpb.GetSeriesRequest{Name: series})
	check("over TLS without the token: UNAUTHENTICATED", status.Code(err) == codes.Unauthenticated, err)
}

func main() {
	if len(os.Args) != 9 || os.Getenv("LLMARKET_TOKEN") == "" || os.Getenv("LLMARKET_THROTTLED_TOKEN") == "" {
		fmt.Fprintln(os.Stderr, "usage: go run . FORECAST TAXONOMY TLS_FORECAST TLS_TAXONOMY CA_PEM RESTART_FORECAST RESTART_TAXONOMY RESTART_CONTROL (tokens in LLMARKET_TOKEN, LLMARKET_THROTTLED_TOKEN)")
		os.Exit(64)
	}
	// Every channel as a user makes it: the package's options (the published retry policy), then
	// the credentials.
	plain := append(llmarket.DialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	forecast := dial(os.Args[1], plain...)
	defer forecast.Close()
	taxonomy := dial(os.Args[2], plain...)
	defer taxonomy.Close()
	forecastScript(forecastpb.NewForecastServiceClient(forecast))
	taxonomyScript(taxonomypb.NewTaxonomyServiceClient(taxonomy))
	v1Script(forecastpb.NewForecastServiceClient(forecast), taxonomypb.NewTaxonomyServiceClient(taxonomy))
	tlsScript(os.Args[3], os.Args[4], os.Args[5], os.Getenv("LLMARKET_TOKEN"))
	v2Script(forecastv2.NewForecastServiceClient(forecast), taxonomyv2.NewTaxonomyServiceClient(taxonomy))
	v2TLSScript(os.Args[3], os.Args[5], os.Getenv("LLMARKET_TOKEN"))
	quotaScript(os.Args[3], os.Args[5], os.Getenv("LLMARKET_THROTTLED_TOKEN"))
	restartScript(os.Args[6], os.Args[7], os.Args[8])
	fmt.Printf("go: %d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
