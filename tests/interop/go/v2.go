package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/oauth"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	llmarket "llmarket.dev/go"
	forecastv2 "llmarket.dev/go/llmarket/forecast/v2"
	taxonomyv2 "llmarket.dev/go/llmarket/taxonomy/v2"
)

const (
	datasetV2 = "datasets/cic-global-llm"
	seriesV2  = datasetV2 + "/series/market-size"
	editionV2 = datasetV2 + "/editions/2026"
)

// v2Script: the same questions on contract v2, with intervals, editions, data versions in the
// responses, error details of every kind, every page and the join of the two services.
func v2Script(f forecastv2.ForecastServiceClient, t taxonomyv2.TaxonomyServiceClient) {
	c, cancel := ctx()
	defer cancel()

	var header metadata.MD
	datasets, err := f.ListDatasets(c, &forecastv2.ListDatasetsRequest{}, grpc.Header(&header))
	found := slices.ContainsFunc(datasets.GetDatasets(), func(d *forecastv2.Dataset) bool {
		return d.GetName() == datasetV2 && d.GetLatestEdition() == editionV2
	})
	check("v2: ListDatasets has the dataset, its latest edition 2026", err == nil && found, err)
	check("v2: data_version in the response, the same as the header",
		version.MatchString(datasets.GetDataVersion()) && datasets.GetDataVersion() == llmarket.DataVersion(header),
		datasets.GetDataVersion(), header)

	got, err := f.GetSeries(c, &forecastv2.GetSeriesRequest{Name: seriesV2})
	stated := func(year int32, value, low, high float64, kind forecastv2.ObservationKind) bool {
		for _, o := range got.GetObservations() {
			if o.GetYear() == year {
				v, iv := o.GetValue(), o.GetValue().GetInterval()
				return v.GetValue() == value && v.GetQualifier() == forecastv2.Qualifier_QUALIFIER_EXACT &&
					iv.Low != nil && math.Abs(*iv.Low-low) < 1e-9 && iv.High != nil && math.Abs(*iv.High-high) < 1e-9 &&
					o.GetProvenance() == forecastv2.Provenance_PROVENANCE_REPORTED && o.GetKind() == kind && o.GetEdition() == editionV2
			}
		}
		return false
	}
	check("v2: GetSeries: 2024 is 10.7 in [10.65, 10.75], exact, reported, actual, edition 2026",
		err == nil && stated(2024, 10.7, 10.65, 10.75, forecastv2.ObservationKind_OBSERVATION_KIND_ACTUAL), err)
	check("v2: GetSeries: 2029 is 206.5 in [206.45, 206.55], forecast; USD billions",
		err == nil && stated(2029, 206.5, 206.45, 206.55, forecastv2.ObservationKind_OBSERVATION_KIND_FORECAST) &&
			got.GetUnit().GetCurrencyCode() == "USD" && got.GetUnit().GetScaleExponent() == 9, err)

	growth, err := f.ComputeGrowth(c, &forecastv2.ComputeGrowthRequest{Name: seriesV2})
	cagr, stated807 := growth.GetCagr(), growth.GetStatedRate().GetValue()
	check("v2: ComputeGrowth: the CAGR is (206.5/10.7)^(1/5) - 1 and its interval holds the stated 80.7 %",
		err == nil && math.Abs(cagr.GetValue()-(math.Pow(206.5/10.7, 0.2)-1)) < 1e-9 && stated807.GetValue() == 0.807 &&
			cagr.GetInterval().GetLow() <= 0.8075 && cagr.GetInterval().GetHigh() >= 0.8065 && growth.GetAgreesWithStated() &&
			growth.GetEdition() == editionV2, err, cagr)

	// Every concept of every scheme of every dataset, five a page, against one page of them all.
	listed := map[string]int{}
	pages := 0
	var failure error
	for page, err := range llmarket.Pages(func(token string) (*taxonomyv2.ListConceptsResponse, error) {
		return t.ListConcepts(c, &taxonomyv2.ListConceptsRequest{Parent: "datasets/-/schemes/-", PageSize: 5, PageToken: token})
	}) {
		if err != nil {
			failure = err
			break
		}
		pages++
		for _, concept := range page.GetConcepts() {
			listed[concept.GetName()]++
		}
	}
	all, err := t.ListConcepts(c, &taxonomyv2.ListConceptsRequest{Parent: "datasets/-/schemes/-", PageSize: 1000})
	once := true
	for _, concept := range all.GetConcepts() {
		once = once && listed[concept.GetName()] == 1
	}
	check("v2: every page of ListConcepts (5 a page) to the end: each concept exactly once",
		failure == nil && err == nil && all.GetNextPageToken() == "" && len(all.GetConcepts()) > 40 &&
			len(listed) == len(all.GetConcepts()) && once && pages == (len(listed)+4)/5, failure, err, pages, len(listed))

	// The join: the concepts that explain the series (taxonomy), and each one's series read back.
	var linked []*taxonomyv2.Concept
	for page, err := range llmarket.Pages(func(token string) (*taxonomyv2.ListConceptsResponse, error) {
		return t.ListConcepts(c, &taxonomyv2.ListConceptsRequest{
			Parent: datasetV2 + "/schemes/-", Filter: fmt.Sprintf("series:%q", seriesV2),
			View: taxonomyv2.ConceptView_CONCEPT_VIEW_FULL, PageToken: token})
	}) {
		if err != nil {
			failure = err
			break
		}
		linked = append(linked, page.GetConcepts()...)
	}
	joined := failure == nil && len(linked) > 0
	for _, concept := range linked {
		joined = joined && slices.Contains(concept.GetSeries(), seriesV2)
		for _, name := range concept.GetSeries() {
			s, err := f.GetSeries(c, &forecastv2.GetSeriesRequest{Name: name})
			joined = joined && err == nil && s.GetName() == name
		}
	}
	check("v2: the concepts that explain market-size (series filter) name it, and their series read from forecast",
		joined, failure, len(linked))

	// Error details, read with llmarket.Details.
	_, err = f.GetSeries(c, &forecastv2.GetSeriesRequest{Name: datasetV2 + "/series/no-such-series"})
	d := llmarket.Details(err)
	check("v2: a missing series is NOT_FOUND with a ResourceInfo naming it",
		status.Code(err) == codes.NotFound && len(d.ResourceInfo) == 1 &&
			d.ResourceInfo[0].GetResourceName() == datasetV2+"/series/no-such-series" &&
			d.ResourceInfo[0].GetResourceType() == "llmarket.forecast.v2.Series" && d.ErrorInfo.GetReason() == "RESOURCE_NOT_FOUND", err)
	_, err = t.ListConcepts(c, &taxonomyv2.ListConceptsRequest{Parent: "datasets/-/schemes/-", PageSize: -5})
	d = llmarket.Details(err)
	check("v2: a negative page_size is INVALID_ARGUMENT with a BadRequest naming page_size",
		status.Code(err) == codes.InvalidArgument && len(d.BadRequest.GetFieldViolations()) == 1 &&
			d.BadRequest.GetFieldViolations()[0].GetField() == "page_size", err)
	_, err = f.QueryObservations(c, &forecastv2.QueryObservationsRequest{Name: seriesV2, Transform: forecastv2.Transform_TRANSFORM_SHARE_OF_PARENT})
	d = llmarket.Details(err)
	check("v2: a share of a series without a parent is FAILED_PRECONDITION with a PreconditionFailure NO_PARENT",
		status.Code(err) == codes.FailedPrecondition && len(d.PreconditionFailure.GetViolations()) == 1 &&
			d.PreconditionFailure.GetViolations()[0].GetType() == "NO_PARENT" &&
			d.PreconditionFailure.GetViolations()[0].GetSubject() == seriesV2, err)

	short, cancelShort := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancelShort()
	time.Sleep(time.Millisecond)
	_, err = f.GetSeries(short, &forecastv2.GetSeriesRequest{Name: seriesV2})
	check("v2: a call past its deadline is DEADLINE_EXCEEDED", status.Code(err) == codes.DeadlineExceeded, err)
}

// v2TLSScript: v2 over TLS with a bearer token.
func v2TLSScript(forecastAddr, caPath, token string) {
	creds, err := credentials.NewClientTLSFromFile(caPath, "")
	if err != nil {
		check("v2: read the CA certificate", false, err)
		return
	}
	bearer := oauth.TokenSource{TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token})}
	conn := dial(forecastAddr, append(llmarket.DialOptions(), grpc.WithTransportCredentials(creds), grpc.WithPerRPCCredentials(bearer))...)
	defer conn.Close()
	c, cancel := ctx()
	defer cancel()
	got, err := forecastv2.NewForecastServiceClient(conn).GetSeries(c, &forecastv2.GetSeriesRequest{Name: seriesV2})
	check("v2: over TLS with a bearer token: GetSeries", err == nil && got.GetName() == seriesV2 && strings.HasPrefix(got.GetEdition(), datasetV2), err)
}
