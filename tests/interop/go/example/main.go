// Consuming llmarket from Go (docs/consuming/go.md): the market size with its intervals and
// provenance, the CAGR, and the concepts that explain the series, joining both services on v2.
// Usage: go run . FORECAST_ADDRESS TAXONOMY_ADDRESS
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	llmarket "llmarket.dev/go"
	forecastv2 "llmarket.dev/go/llmarket/forecast/v2"
	taxonomyv2 "llmarket.dev/go/llmarket/taxonomy/v2"
)

const series = "datasets/cic-global-llm/series/market-size"

func main() {
	// The published retry policy comes with llmarket.DialOptions; add your credentials.
	opts := append(llmarket.DialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	forecastConn, err := grpc.NewClient(os.Args[1], opts...)
	must(err)
	taxonomyConn, err := grpc.NewClient(os.Args[2], opts...)
	must(err)
	forecast := forecastv2.NewForecastServiceClient(forecastConn)
	taxonomy := taxonomyv2.NewTaxonomyServiceClient(taxonomyConn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // every call's deadline
	defer cancel()

	s, err := forecast.GetSeries(ctx, &forecastv2.GetSeriesRequest{Name: series})
	must(err)
	for _, o := range s.GetObservations() {
		iv := o.GetValue().GetInterval() // an open side is nil
		fmt.Printf("%d: %g bn %s [%s, %s] %s %s\n", o.GetYear(), o.GetValue().GetValue(), s.GetUnit().GetCurrencyCode(),
			side(iv.Low), side(iv.High), o.GetProvenance(), o.GetEdition())
	}
	growth, err := forecast.ComputeGrowth(ctx, &forecastv2.ComputeGrowthRequest{Name: series})
	must(err)
	cagr := growth.GetCagr()
	fmt.Printf("CAGR %.2f%% [%.2f%%, %.2f%%], stated %.1f%%\n", 100*cagr.GetValue(), 100*cagr.GetInterval().GetLow(),
		100*cagr.GetInterval().GetHigh(), 100*growth.GetStatedRate().GetValue().GetValue())

	for page, err := range llmarket.Pages(func(token string) (*taxonomyv2.ListConceptsResponse, error) {
		return taxonomy.ListConcepts(ctx, &taxonomyv2.ListConceptsRequest{Parent: "datasets/cic-global-llm/schemes/-",
			Filter: fmt.Sprintf("series:%q", series), PageToken: token})
	}) {
		must(err)
		for _, c := range page.GetConcepts() {
			fmt.Printf("concept %s (%s)\n", c.GetName(), c.GetPrefLabels()[0].GetText())
		}
	}
	fmt.Println("data version", s.GetDataVersion())
}

func side(v *float64) string {
	if v == nil {
		return "open"
	}
	return fmt.Sprint(*v)
}

// must ends the program on an error, with the status code and its details.
func must(err error) {
	if err != nil {
		d := llmarket.Details(err)
		log.Fatalf("%s: %v (resources %v, bad request %v, retry after %v)", status.Code(err), err,
			d.ResourceInfo, d.BadRequest, d.RetryInfo.GetRetryDelay().AsDuration())
	}
}
