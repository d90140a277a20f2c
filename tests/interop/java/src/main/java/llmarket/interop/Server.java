package llmarket.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server the Java interop client starts and restarts itself (the restart and quota checks):
 * {@code llmarket-server all} on loopback, the forecast service on a port the caller may reuse.
 */
final class Server implements AutoCloseable {
  private static final Pattern LISTENING =
      Pattern.compile("\"message\":\"listening\",\"service\":\"llmarket\\.(\\w+)\\.v1\\.\\w+\",\"addr\":\"([^\"]+)\"");
  final Process process;
  final String forecast;

  private Server(Process process, String forecast) {
    this.process = process;
    this.forecast = forecast;
  }

  /** A loopback port free right now. */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts {@code BIN all} with the forecast service on {@code port}; returns once both listen. */
  static Server start(String bin, int port, String... extra) throws Exception {
    List<String> command = new ArrayList<>(List.of(bin, "all", "--forecast-listen", "127.0.0.1:" + port,
        "--taxonomy-listen", "127.0.0.1:0", "--log-format", "json", "--shutdown-grace", "1s"));
    command.addAll(List.of(extra));
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put("RUST_LOG", "info");
    Process process = builder.start();
    CompletableFuture<String> forecast = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      boolean taxonomy = false;
      String forecastAddr = null;
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            if (m.group(1).equals("forecast")) {
              forecastAddr = m.group(2);
            } else {
              taxonomy = true;
            }
            if (taxonomy && forecastAddr != null) {
              forecast.complete(forecastAddr);
            }
          }
        }
      } catch (IOException e) {
        forecast.completeExceptionally(e);
      }
      forecast.completeExceptionally(new IllegalStateException("the server exited before listening"));
    });
    reader.setDaemon(true);
    reader.start();
    return new Server(process, forecast.get(20, TimeUnit.SECONDS));
  }

  /** Stops the server with SIGTERM and waits for it to exit. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor(10, TimeUnit.SECONDS);
  }
}
