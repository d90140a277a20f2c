// Package llmarket is the Go client of llmarket's gRPC services: the generated code of contract v2
// (llmarket.dev/go/llmarket/{forecast,taxonomy,watch}/v2) and, for its lifetime, of the deprecated
// v1 (llmarket.dev/go/llmarket/{forecast,taxonomy}/v1, removed with the server's release 0.4.0), and
// the service's conventions as helpers:
//
//   - [DialOptions]: the published retry policy ([ServiceConfig], from
//     proto/llmarket/service_config.json) as the channel's default service config;
//   - [DataVersion]: the `llmarket-data-version` response header (v1 has it only there; v2
//     responses also carry `data_version`);
//   - [Details]: the google.rpc error details of a failed call (ResourceInfo, BadRequest,
//     PreconditionFailure, RetryInfo, ErrorInfo);
//   - [Pages]: every page of a List or Search method, following next_page_token to the end.
//
// The generated code is checked in; generate.sh regenerates it from proto/ with
// proto/buf.gen.yaml (the template users copy), and the tests fail when it differs.
package llmarket

//go:generate ./generate.sh

// Version is the release of llmarket this module belongs to (the workspace version).
const Version = "0.2.0"
