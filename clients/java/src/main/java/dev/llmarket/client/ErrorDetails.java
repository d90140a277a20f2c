package dev.llmarket.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.PreconditionFailure;
import com.google.rpc.ResourceInfo;
import com.google.rpc.RetryInfo;
import com.google.rpc.Status;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The google.rpc error details llmarket sends (docs/api.md, "Errors"), read from the exception
 * of a failed call through {@link StatusProto#fromThrowable}.
 */
public final class ErrorDetails {
  private ErrorDetails() {}

  /** Every detail of type {@code type} the error carries, in order. */
  public static <T extends Message> List<T> all(Throwable error, Class<T> type) {
    Status status = StatusProto.fromThrowable(error);
    List<T> out = new ArrayList<>();
    if (status == null) {
      return out;
    }
    for (Any any : status.getDetailsList()) {
      if (any.is(type)) {
        try {
          out.add(any.unpack(type));
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalArgumentException("a " + type.getSimpleName() + " detail does not decode", e);
        }
      }
    }
    return out;
  }

  /** Every ResourceInfo (NOT_FOUND: one per missing name). */
  public static List<ResourceInfo> resourceInfos(Throwable error) {
    return all(error, ResourceInfo.class);
  }

  /** The BadRequest (INVALID_ARGUMENT), if any. */
  public static Optional<BadRequest> badRequest(Throwable error) {
    return all(error, BadRequest.class).stream().findFirst();
  }

  /** The RetryInfo (RESOURCE_EXHAUSTED), if any. */
  public static Optional<RetryInfo> retryInfo(Throwable error) {
    return all(error, RetryInfo.class).stream().findFirst();
  }

  /** The delay RetryInfo asks for before a retry, if any. */
  public static Optional<Duration> retryDelay(Throwable error) {
    return retryInfo(error)
        .map(r -> Duration.ofSeconds(r.getRetryDelay().getSeconds(), r.getRetryDelay().getNanos()));
  }

  /** The ErrorInfo (reason, domain, metadata such as {@code nearest}), if any. */
  public static Optional<ErrorInfo> errorInfo(Throwable error) {
    return all(error, ErrorInfo.class).stream().findFirst();
  }

  /** The PreconditionFailure (FAILED_PRECONDITION), if any. */
  public static Optional<PreconditionFailure> preconditionFailure(Throwable error) {
    return all(error, PreconditionFailure.class).stream().findFirst();
  }

  /** The names ErrorInfo's {@code metadata["nearest"]} suggests for a missing one, nearest first. */
  public static List<String> nearestNames(Throwable error) {
    String nearest = errorInfo(error).map(i -> i.getMetadataOrDefault("nearest", "")).orElse("");
    return nearest.isEmpty() ? List.of() : Arrays.asList(nearest.split(","));
  }
}
