package dev.llmarket.client;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The gRPC service config llmarket publishes (proto/llmarket/service_config.json): a 10 s timeout
 * and the retry policy of each service, as grpc-java takes it.
 */
public final class ServiceConfig {
  private ServiceConfig() {}

  /**
   * The published service config as the map {@link ManagedChannelBuilder#defaultServiceConfig}
   * takes (JSON numbers as Double, as grpc-java requires). A fresh copy on each call.
   */
  public static Map<String, ?> map() {
    try (InputStream in = ServiceConfig.class.getResourceAsStream("service_config.json")) {
      if (in == null) {
        throw new IllegalStateException("service_config.json is missing from the llmarket-client jar");
      }
      return new Gson()
          .fromJson(
              new InputStreamReader(in, StandardCharsets.UTF_8),
              new TypeToken<Map<String, Object>>() {}.getType());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Applies the published service config to a channel builder and enables retries: {@code
   * ServiceConfig.apply(Grpc.newChannelBuilder(target, credentials)).build()}.
   */
  public static ManagedChannelBuilder<?> apply(ManagedChannelBuilder<?> builder) {
    return builder.defaultServiceConfig(map()).enableRetry();
  }
}
