package main

import (
	"regexp"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	llmarket "llmarket.dev/go"
	forecastpb "llmarket.dev/go/llmarket/forecast/v1"
	taxonomypb "llmarket.dev/go/llmarket/taxonomy/v1"
)

// A data version: 16 hex digits.
var version = regexp.MustCompile(`^[0-9a-f]{16}$`)

// v1Script: what an integrator needs beyond single calls, on v1 — every page, the data version (only
// in the header on v1) and the join of the two services (concepts name the series they explain).
func v1Script(f forecastpb.ForecastServiceClient, t taxonomypb.TaxonomyServiceClient) {
	c, cancel := ctx()
	defer cancel()

	// Every scheme, two a page, then every concept of each, three a page.
	schemes, concepts, pages := 0, 0, 0
	linked := map[string][]string{} // series -> concepts that explain it
	var failure error
	for page, err := range llmarket.Pages(func(token string) (*taxonomypb.ListSchemesResponse, error) {
		return t.ListSchemes(c, &taxonomypb.ListSchemesRequest{PageSize: 2, PageToken: token})
	}) {
		if err != nil {
			failure = err
			break
		}
		pages++
		for _, scheme := range page.GetSchemes() {
			schemes++
			for conceptPage, err := range llmarket.Pages(func(token string) (*taxonomypb.ListConceptsResponse, error) {
				return t.ListConcepts(c, &taxonomypb.ListConceptsRequest{Parent: scheme.GetName(), PageSize: 3, PageToken: token})
			}) {
				if err != nil {
					failure = err
					break
				}
				pages++
				for _, concept := range conceptPage.GetConcepts() {
					concepts++
					for _, s := range concept.GetSeries() {
						linked[s] = append(linked[s], concept.GetName())
					}
				}
			}
		}
	}
	check("v1: every page of ListSchemes (2 a page) and ListConcepts (3 a page) to the end",
		failure == nil && schemes == 7 && concepts > 40 && pages > concepts/3, failure, schemes, concepts, pages)

	// The join: the concepts that name the market-size series, and that series read from forecast.
	var header metadata.MD
	got, err := f.GetSeries(c, &forecastpb.GetSeriesRequest{Name: series}, grpc.Header(&header))
	check("v1: concepts link to the market-size series, which the forecast service reads",
		err == nil && len(linked[series]) > 0 && got.GetSeries().GetName() == series, err, linked[series])
	check("v1: the data version is in the llmarket-data-version header", version.MatchString(llmarket.DataVersion(header)), header)
}
