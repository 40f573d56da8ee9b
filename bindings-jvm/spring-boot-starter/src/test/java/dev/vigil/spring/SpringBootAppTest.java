package dev.vigil.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.sdk.RealServer;
import dev.vigil.sdk.Vigil;
import dev.vigil.spring.demo.DemoApplication;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The demo app in a real embedded Tomcat on a random port, with Spring Security's form login and
 * HTTP Basic, against a real vigil-server: logins tracked with no code, the signed-in user
 * identified, and a ban made on the server answering that user 403 within 2 s.
 */
@SpringBootTest(
    classes = DemoApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SpringBootAppTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern CSRF =
      Pattern.compile("name=\"_csrf\" type=\"hidden\" value=\"([^\"]+)\"");
  private static final String ALICE_IP = "198.51.100.10";
  private static final String BOB_IP = "198.51.100.20";
  private static RealServer server;

  @LocalServerPort int port;

  /**
   * A browser: its own cookie jar and its own address, which the app's proxy (trusted here as
   * 127.0.0.1) forwards in X-Forwarded-For; no redirects followed.
   */
  private record Browser(HttpClient http, String ip) {}

  private static Browser browser(String ip) {
    return new Browser(
        HttpClient.newBuilder()
            .cookieHandler(new CookieManager())
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build(),
        ip);
  }

  @DynamicPropertySource
  static void vigil(DynamicPropertyRegistry registry) throws Exception {
    Path dir = Files.createTempDirectory("vigil-spring");
    server = new RealServer(dir);
    registry.add("vigil.url", () -> server.url);
    registry.add("vigil.token", () -> server.token);
    registry.add("vigil.options.flush_interval_ms", () -> "50");
    registry.add("vigil.options.trusted_proxies", () -> "127.0.0.1/32");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private HttpResponse<String> get(Browser client, String path, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(10))
            .header("X-Forwarded-For", client.ip());
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return client.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(Browser client, String path, Map<String, String> form)
      throws Exception {
    StringBuilder body = new StringBuilder();
    form.forEach(
        (k, v) ->
            body.append(body.length() == 0 ? "" : "&")
                .append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    HttpRequest request =
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("X-Forwarded-For", client.ip())
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build();
    return client.http().send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** Spring Security's form login: the login page's CSRF token, then the POST. */
  private HttpResponse<String> login(Browser client, String user, String password)
      throws Exception {
    Matcher m = CSRF.matcher(get(client, "/login").body());
    assertTrue(m.find(), "the login page has a CSRF token");
    return post(
        client, "/login", Map.of("username", user, "password", password, "_csrf", m.group(1)));
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** The stored events of this type, oldest first (each as the SDK sent it). */
  private static List<JsonNode> events(String type) throws Exception {
    assertTrue(Vigil.flush(Duration.ofSeconds(5)));
    List<JsonNode> rows = new ArrayList<>();
    for (JsonNode row :
        JSON.readTree(server.admin("/api/events?app=" + server.app + "&limit=1000"))) {
      if (row.get("type").asText().equals(type)) {
        rows.add(row);
      }
    }
    rows.sort(java.util.Comparator.comparingLong(r -> r.get("seq").asLong()));
    return rows.stream().map(r -> r.get("event")).toList();
  }

  private static List<String> users(List<JsonNode> events) {
    return events.stream().map(e -> e.get("user").get("ids").get("username").asText()).toList();
  }

  @Test
  @Order(1)
  void formLoginsAreTrackedWithNoCode() throws Exception {
    Browser alice = browser(ALICE_IP);
    HttpResponse<String> wrong = login(alice, "alice", "not-her-password");
    assertEquals(302, wrong.statusCode());
    assertTrue(wrong.headers().firstValue("Location").orElse("").contains("error"));
    HttpResponse<String> right = login(alice, "alice", "wonderland");
    assertEquals(302, right.statusCode());
    assertEquals("hello alice", get(alice, "/account").body());
    assertEquals(List.of("alice"), users(events("auth.failure")));
    assertEquals(List.of("alice"), users(events("auth.success")));
    assertEquals(List.of("alice"), users(events("identify.seen")));
    JsonNode request = events("auth.success").get(0).get("request");
    assertEquals(ALICE_IP, request.get("ip").asText());
    assertEquals("/login", request.get("path").asText());
  }

  @Test
  @Order(2)
  void httpBasicIsTrackedAndSignupsByHandWithSqreensApi() throws Exception {
    Browser client = browser(BOB_IP);
    assertEquals(401, get(client, "/account", "Authorization", basic("bob", "wrong")).statusCode());
    assertEquals(
        "hello bob", get(client, "/account", "Authorization", basic("bob", "builder")).body());
    HttpResponse<String> signup = post(client, "/signup", Map.of("username", "carol"));
    assertEquals("welcome carol", signup.body(), signup.statusCode() + " " + signup.headers());
    assertEquals(List.of("alice", "bob"), users(events("auth.failure")));
    assertEquals(List.of("alice", "bob"), users(events("auth.success")));
    assertEquals(List.of("carol"), users(events("signup")));
  }

  @Test
  @Order(3)
  void aServerBanAnswersTheUser403Within2Seconds() throws Exception {
    Browser alice = browser(ALICE_IP);
    assertEquals(302, login(alice, "alice", "wonderland").statusCode());
    assertEquals(200, get(alice, "/account").statusCode());
    Thread.sleep(300); // the SDK's long poll settles into its wait
    server.banUser("{\"username\":\"alice\"}");
    long started = System.nanoTime();
    HttpResponse<String> refused;
    while (true) {
      refused = get(alice, "/account", "Accept", "application/json");
      if (refused.statusCode() == 403) {
        break;
      }
      assertEquals(200, refused.statusCode());
      if (System.nanoTime() - started > Duration.ofSeconds(2).toNanos()) {
        fail("the ban did not reach the app within 2 s");
      }
      Thread.sleep(20);
    }
    JsonNode body = JSON.readTree(refused.body());
    String reference = body.get("error").get("reference").asText();
    assertTrue(reference.startsWith("d_") || !reference.isEmpty(), refused.body());
    assertEquals("application/json", refused.headers().firstValue("Content-Type").orElse(""));
    HttpResponse<String> page = get(alice, "/account", "Accept", "text/html");
    assertEquals(403, page.statusCode());
    assertTrue(page.body().contains("Reference: " + reference), page.body());
    // Bob, signed in on his own, is not affected.
    assertEquals(
        "hello bob",
        get(browser(BOB_IP), "/account", "Authorization", basic("bob", "builder")).body());
  }
}
