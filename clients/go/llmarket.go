package llmarket

import (
	_ "embed"
	"errors"
	"iter"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// ServiceConfig is the retry policy the services publish (proto/llmarket/service_config.json), as
// a gRPC service config: a 10 s timeout and up to 4 attempts on UNAVAILABLE and
// RESOURCE_EXHAUSTED for the forecast and taxonomy services, retries of Watch on UNAVAILABLE.
//
//go:embed service_config.json
var ServiceConfig string

// DataVersionHeader is the response header carrying the version of the data an answer comes from.
const DataVersionHeader = "llmarket-data-version"

// DialOptions are the options every channel to llmarket should have, before the caller's own
// (credentials, interceptors): [ServiceConfig] as the default service config, and reconnection
// that starts at the retry policy's initial backoff (0.1 s, up to 2 s) rather than grpc-go's 1 s,
// so a retried call finds a restarted server as soon as it listens again.
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithDefaultServiceConfig(ServiceConfig),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff: backoff.Config{
				BaseDelay:  100 * time.Millisecond,
				Multiplier: 1.6,
				Jitter:     0.2,
				MaxDelay:   2 * time.Second,
			},
			MinConnectTimeout: 5 * time.Second,
		}),
	}
}

// DataVersion returns the data version of a response from its header metadata, taken with
// grpc.Header(&md) on the call; empty when the response has none (failed calls).
func DataVersion(header metadata.MD) string {
	if values := header.Get(DataVersionHeader); len(values) > 0 {
		return values[0]
	}
	return ""
}

// ErrorDetails are the google.rpc details of a failed call that llmarket sends; a field is nil (or
// empty) when the status has no such detail.
type ErrorDetails struct {
	// ResourceInfo: one per missing name (NOT_FOUND).
	ResourceInfo []*errdetails.ResourceInfo
	// BadRequest: the fields at fault (INVALID_ARGUMENT).
	BadRequest *errdetails.BadRequest
	// PreconditionFailure: what the data lacks for the computation (FAILED_PRECONDITION).
	PreconditionFailure *errdetails.PreconditionFailure
	// RetryInfo: how long to wait before trying again (RESOURCE_EXHAUSTED).
	RetryInfo *errdetails.RetryInfo
	// ErrorInfo: the reason, its domain and metadata such as `nearest` names (NOT_FOUND).
	ErrorInfo *errdetails.ErrorInfo
}

// Details decodes the error details of err, a status error of a call; all fields are nil for a
// nil error or one that is not a gRPC status.
func Details(err error) ErrorDetails {
	var out ErrorDetails
	if err == nil {
		return out
	}
	st, ok := status.FromError(err)
	if !ok {
		return out
	}
	for _, detail := range st.Details() {
		switch d := detail.(type) {
		case *errdetails.ResourceInfo:
			out.ResourceInfo = append(out.ResourceInfo, d)
		case *errdetails.BadRequest:
			out.BadRequest = d
		case *errdetails.PreconditionFailure:
			out.PreconditionFailure = d
		case *errdetails.RetryInfo:
			out.RetryInfo = d
		case *errdetails.ErrorInfo:
			out.ErrorInfo = d
		}
	}
	return out
}

// Page is what every List and Search response has: the token of the next page.
type Page interface {
	GetNextPageToken() string
}

// ErrRepeatedPageToken is yielded when a server returns the same next_page_token twice in a row,
// which would otherwise loop forever.
var ErrRepeatedPageToken = errors.New("llmarket: the server repeated a next_page_token")

// Pages yields every page of a list: fetch is called with "" for the first page, then with each
// next_page_token until one is empty. A failed fetch yields its error and ends the iteration, as
// does breaking out of the loop.
//
//	for page, err := range llmarket.Pages(func(token string) (*taxonomyv2.ListConceptsResponse, error) {
//		return client.ListConcepts(ctx, &taxonomyv2.ListConceptsRequest{Parent: parent, PageToken: token})
//	}) { ... }
func Pages[R Page](fetch func(pageToken string) (R, error)) iter.Seq2[R, error] {
	return func(yield func(R, error) bool) {
		token := ""
		for {
			page, err := fetch(token)
			if err != nil {
				yield(page, err)
				return
			}
			if !yield(page, nil) {
				return
			}
			next := page.GetNextPageToken()
			if next == "" {
				return
			}
			if next == token {
				var zero R
				yield(zero, ErrRepeatedPageToken)
				return
			}
			token = next
		}
	}
}
