// @llmarket/client: llmarket's conventions for connect-es clients. The generated contracts are
// the package's subpaths (`@llmarket/client/forecast/v2`, `/taxonomy/v2`, `/watch/v2`, the
// deprecated `/forecast/v1` and `/taxonomy/v1`, and `/google/rpc` for the error details).
// Transports come from `@connectrpc/connect-node` (gRPC over HTTP/2) or `@connectrpc/connect-web`
// (gRPC-Web or Connect from a browser); everything here works over either.
export { serviceConfig } from "./gen/service-config.js";
export { retryInterceptor, retryPolicyOf, type RetryOptions, type RetryPolicy } from "./retry.js";
export {
  badRequest,
  errorInfo,
  nearestNames,
  preconditionFailure,
  resourceInfos,
  retryInfo,
} from "./errors.js";
export { all, items, pages, type Paged } from "./pages.js";
export { DATA_VERSION_HEADER, DataVersion, dataVersionOf } from "./data-version.js";
