package dev.vigil.sdk;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real vigil-server on 127.0.0.1, on an SQLite file of its own: the binary the test command
 * builds ({@code VIGIL_SERVER_BIN}).
 */
public final class RealServer implements AutoCloseable {
  public static final String ADMIN_TOKEN = "vigil-test-admin-token-0123456789abcdef";
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  public final String url;
  public final String token;
  public final long app;
  private final Process process;

  public static String binary() {
    String bin = System.getenv("VIGIL_SERVER_BIN");
    if (bin == null || bin.isEmpty()) {
      throw new IllegalStateException("VIGIL_SERVER_BIN is not set (make jvm-test sets it)");
    }
    return bin;
  }

  public RealServer(Path dir) throws IOException, InterruptedException {
    String db = "sqlite://" + dir.resolve("vigil.db");
    Process create =
        new ProcessBuilder(binary(), "app", "create", "jvm-sdk", "--db", db)
            .redirectErrorStream(false)
            .start();
    List<String> lines =
        new String(create.getInputStream().readAllBytes()).strip().lines().toList();
    if (create.waitFor() != 0 || lines.isEmpty()) {
      throw new IOException(
          "app create failed: " + new String(create.getErrorStream().readAllBytes()));
    }
    token = lines.get(lines.size() - 1).strip();
    Matcher m = Pattern.compile("id (\\d+)").matcher(lines.get(0));
    if (!m.find()) {
      throw new IOException("no app id in " + lines);
    }
    app = Long.parseLong(m.group(1));
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    url = "http://127.0.0.1:" + port;
    ProcessBuilder serve =
        new ProcessBuilder(binary(), "serve", "--listen", "127.0.0.1:" + port, "--db", db)
            .redirectOutput(dir.resolve("server.log").toFile())
            .redirectErrorStream(true);
    serve.environment().put("VIGIL_ADMIN_TOKEN", ADMIN_TOKEN);
    process = serve.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      try {
        if (get("/healthz", false).statusCode() == 200) {
          break;
        }
      } catch (IOException e) {
        if (System.nanoTime() > deadline || !process.isAlive()) {
          throw new IOException(
              "vigil-server did not start: " + Files.readString(dir.resolve("server.log")), e);
        }
        Thread.sleep(50);
      }
    }
  }

  private HttpResponse<String> get(String path, boolean admin)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(5));
    if (admin) {
      b.header("Authorization", "Bearer " + ADMIN_TOKEN);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** An admin API GET; the body as text. */
  public String admin(String path) throws IOException, InterruptedException {
    HttpResponse<String> r = get(path, true);
    if (r.statusCode() / 100 != 2) {
      throw new IOException("GET " + path + ": " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  /** An admin API POST of a JSON body; the answer as text. */
  public String admin(String path, String json) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url + path))
            .timeout(Duration.ofSeconds(5))
            .header("Authorization", "Bearer " + ADMIN_TOKEN)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build();
    HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IOException("POST " + path + ": " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  /** Bans the user named by {@code idsJson} (a JSON object) on the server. */
  public void banUser(String idsJson) throws IOException, InterruptedException {
    admin(
        "/api/decisions",
        "{\"app\":" + app + ",\"scope\":\"user\",\"ids\":" + idsJson + ",\"reason\":\"manual\"}");
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
