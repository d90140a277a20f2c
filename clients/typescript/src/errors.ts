// The google.rpc error details llmarket sends (docs/api.md, "Errors"), read from any error a
// connect-es call throws, over gRPC, gRPC-Web or Connect alike.
import { ConnectError } from "@connectrpc/connect";
import {
  type BadRequest,
  BadRequestSchema,
  type ErrorInfo,
  ErrorInfoSchema,
  type PreconditionFailure,
  PreconditionFailureSchema,
  type ResourceInfo,
  ResourceInfoSchema,
  type RetryInfo,
  RetryInfoSchema,
} from "./gen/google/rpc/error_details_pb.js";

/** Every ResourceInfo of the error (NOT_FOUND: one per missing name). */
export function resourceInfos(error: unknown): ResourceInfo[] {
  return ConnectError.from(error).findDetails(ResourceInfoSchema);
}

/** The BadRequest of the error (INVALID_ARGUMENT), if any. */
export function badRequest(error: unknown): BadRequest | undefined {
  return ConnectError.from(error).findDetails(BadRequestSchema)[0];
}

/** The RetryInfo of the error (RESOURCE_EXHAUSTED: when a retry may succeed), if any. */
export function retryInfo(error: unknown): RetryInfo | undefined {
  return ConnectError.from(error).findDetails(RetryInfoSchema)[0];
}

/** The ErrorInfo of the error (reason, domain, metadata such as `nearest`), if any. */
export function errorInfo(error: unknown): ErrorInfo | undefined {
  return ConnectError.from(error).findDetails(ErrorInfoSchema)[0];
}

/** The PreconditionFailure of the error (FAILED_PRECONDITION), if any. */
export function preconditionFailure(error: unknown): PreconditionFailure | undefined {
  return ConnectError.from(error).findDetails(PreconditionFailureSchema)[0];
}

/** The names ErrorInfo's `metadata["nearest"]` suggests for a missing name, nearest first. */
export function nearestNames(error: unknown): string[] {
  const nearest = errorInfo(error)?.metadata.nearest ?? "";
  return nearest === "" ? [] : nearest.split(",");
}
