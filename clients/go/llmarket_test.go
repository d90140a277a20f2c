package llmarket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	forecastv2 "llmarket.dev/go/llmarket/forecast/v2"
)

func TestServiceConfigIsTheRetryPolicyOfBothServices(t *testing.T) {
	var config struct {
		MethodConfig []struct {
			Name        []struct{ Service string }
			RetryPolicy struct{ MaxAttempts int }
		}
	}
	if err := json.Unmarshal([]byte(ServiceConfig), &config); err != nil {
		t.Fatal(err)
	}
	services := map[string]int{}
	for _, method := range config.MethodConfig {
		for _, name := range method.Name {
			services[name.Service] = method.RetryPolicy.MaxAttempts
		}
	}
	for _, service := range []string{"llmarket.forecast.v2.ForecastService", "llmarket.taxonomy.v2.TaxonomyService", "llmarket.forecast.v1.ForecastService"} {
		if services[service] < 2 {
			t.Errorf("%s has no retry policy: %v", service, services)
		}
	}
	// grpc-go accepts it (an invalid config fails at NewClient).
	if _, err := grpc.NewClient("passthrough:///unused", append(DialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))...); err != nil {
		t.Fatal(err)
	}
}

func TestDataVersionReadsTheHeader(t *testing.T) {
	if got := DataVersion(metadata.Pairs(DataVersionHeader, "00ff00ff00ff00ff")); got != "00ff00ff00ff00ff" {
		t.Errorf("got %q", got)
	}
	if got := DataVersion(metadata.MD{}); got != "" {
		t.Errorf("an answer without the header has no version, got %q", got)
	}
}

func TestDetailsDecodesEachKind(t *testing.T) {
	st, err := status.New(codes.NotFound, "no such series").WithDetails(
		&errdetails.ResourceInfo{ResourceType: "llmarket.forecast.v2.Series", ResourceName: "datasets/d/series/a"},
		&errdetails.ResourceInfo{ResourceName: "datasets/d/series/b"},
		&errdetails.ErrorInfo{Reason: "RESOURCE_NOT_FOUND"},
		&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "page_size"}}},
		&errdetails.PreconditionFailure{Violations: []*errdetails.PreconditionFailure_Violation{{Type: "NO_PARENT"}}},
		&errdetails.RetryInfo{RetryDelay: durationpb.New(time.Second)},
	)
	if err != nil {
		t.Fatal(err)
	}
	d := Details(fmt.Errorf("wrapped: %w", st.Err()))
	if len(d.ResourceInfo) != 2 || d.ResourceInfo[1].GetResourceName() != "datasets/d/series/b" ||
		d.ErrorInfo.GetReason() != "RESOURCE_NOT_FOUND" || d.BadRequest.GetFieldViolations()[0].GetField() != "page_size" ||
		d.PreconditionFailure.GetViolations()[0].GetType() != "NO_PARENT" || d.RetryInfo.GetRetryDelay().AsDuration() != time.Second {
		t.Errorf("got %+v", d)
	}
	if d := Details(errors.New("not a status")); d.BadRequest != nil || d.ResourceInfo != nil {
		t.Errorf("a plain error has no details: %+v", d)
	}
	if d := Details(status.Error(codes.Internal, "bare")); d.RetryInfo != nil || d.ErrorInfo != nil {
		t.Errorf("a status without details has none: %+v", d)
	}
}

func pagesOf(tokens ...string) (func(string) (*forecastv2.ListDatasetsResponse, error), *[]string) {
	var asked []string
	return func(token string) (*forecastv2.ListDatasetsResponse, error) {
		asked = append(asked, token)
		if len(asked) > len(tokens) {
			return nil, status.Error(codes.Unavailable, "asked past the last page")
		}
		return &forecastv2.ListDatasetsResponse{NextPageToken: tokens[len(asked)-1]}, nil
	}, &asked
}

func TestPagesFollowsTokensToTheEnd(t *testing.T) {
	fetch, asked := pagesOf("a", "b", "")
	n := 0
	for _, err := range Pages(fetch) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 3 || fmt.Sprint(*asked) != "[ a b]" {
		t.Errorf("%d pages, tokens %q", n, *asked)
	}
}

func TestPagesStopsOnErrorsBreaksAndRepeatedTokens(t *testing.T) {
	failing := func(token string) (*forecastv2.ListDatasetsResponse, error) {
		if token == "" {
			return &forecastv2.ListDatasetsResponse{NextPageToken: "x"}, nil
		}
		return nil, status.Error(codes.InvalidArgument, "bad token")
	}
	var errs []error
	for _, err := range Pages(failing) {
		errs = append(errs, err)
	}
	if len(errs) != 2 || errs[0] != nil || status.Code(errs[1]) != codes.InvalidArgument {
		t.Errorf("got %v", errs)
	}

	fetch, asked := pagesOf("a", "b", "")
	for range Pages(fetch) {
		break
	}
	if len(*asked) != 1 {
		t.Errorf("fetched past a break: %q", *asked)
	}

	fetch, _ = pagesOf("a", "a", "")
	errs = nil
	for _, err := range Pages(fetch) {
		errs = append(errs, err)
	}
	if len(errs) != 3 || !errors.Is(errs[2], ErrRepeatedPageToken) {
		t.Errorf("got %v", errs)
	}
}

// Canary of docs/adr/0006-retry-backoff-jitter.md: grpc-go spaces the policy's attempts by its
// backoff with ±20 % jitter (not gRFC A6's random(0, backoff)), so 4 attempts against an address
// that refuses connections take at least 0.8 × (0.1 + 0.2 + 0.4) = 0.56 s before UNAVAILABLE. The
// interop suite's retry across a restart counts on that span; this fails when it shrinks.
func TestRetryPolicySpansHalfASecondBeforeUnavailable(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := listener.Addr().String()
	listener.Close()
	conn, err := grpc.NewClient(closed, append(DialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	started := time.Now()
	_, err = forecastv2.NewForecastServiceClient(conn).ListDatasets(ctx, &forecastv2.ListDatasetsRequest{})
	if elapsed := time.Since(started); status.Code(err) != codes.Unavailable || elapsed < 500*time.Millisecond {
		t.Errorf("%v after %v; the policy's 4 attempts should span at least 0.56 s", err, elapsed)
	}
}
