package dev.llmarket.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The data version of the replies a channel receives: v2 messages carry it as {@code
 * data_version}; every reply (v1 included) also carries it as {@code llmarket-data-version}
 * response metadata, which this interceptor records. Use: {@code
 * stub.withInterceptors(version)}, then {@link #get()}.
 */
public final class DataVersion implements ClientInterceptor {
  /** The response header with the data version. */
  public static final Metadata.Key<String> KEY =
      Metadata.Key.of("llmarket-data-version", Metadata.ASCII_STRING_MARSHALLER);

  private final AtomicReference<String> last = new AtomicReference<>("");

  /** The version of the last reply seen; "" before any. */
  public String get() {
    return last.get();
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        super.start(
            new SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onHeaders(Metadata received) {
                String version = received.get(KEY);
                if (version != null) {
                  last.set(version);
                }
                super.onHeaders(received);
              }
            },
            headers);
      }
    };
  }
}
