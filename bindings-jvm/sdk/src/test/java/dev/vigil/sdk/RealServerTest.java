package dev.vigil.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real vigil-server on 127.0.0.1. */
class RealServerTest {

  @AfterEach
  void stop() {
    Vigil.close();
  }

  @Test
  void aServerBanReachesIdentifyWithin2Seconds(@TempDir Path dir) throws Exception {
    try (RealServer server = new RealServer(dir)) {
      Vigil.start(
          VigilOptions.builder()
              .url(server.url)
              .token(server.token)
              .flushInterval(Duration.ofMillis(50)));
      assertTrue(Vigil.authTrack(true, Map.of("username", "mallory")));
      assertTrue(Vigil.flush(Duration.ofSeconds(5)));
      assertTrue(Vigil.stats().sent() >= 1);
      Vigil.identify(Map.of("username", "mallory")); // not banned yet
      Thread.sleep(300); // let the long poll settle into its wait

      server.banUser("{\"username\":\"mallory\"}");
      long started = System.nanoTime();
      while (true) {
        try {
          Vigil.identify(Map.of("username", "mallory"));
        } catch (UserBlockedException blocked) {
          assertEquals("manual", blocked.decision().reason());
          break;
        }
        if (System.nanoTime() - started > Duration.ofSeconds(2).toNanos()) {
          fail("the ban did not reach identify within 2 s");
        }
        Thread.sleep(10);
      }
      Vigil.identify(Map.of("username", "someone-else"));
    }
  }

  @Test
  void eventsReachTheServerWithTheirRequest(@TempDir Path dir) throws Exception {
    try (RealServer server = new RealServer(dir)) {
      Vigil.start(VigilOptions.builder().url(server.url).token(server.token));
      var request = Through.get("/login");
      request.addHeader("User-Agent", "JUnit/5");
      Through t =
          Through.filter(
              request,
              () -> {
                Vigil.user().authKey("login", "carol").trackLogin(false);
                Vigil.user().authKey("login", "carol").trackLogin(true);
                Vigil.event("profile.viewed")
                    .authKey("login", "carol")
                    .property("tab", "security")
                    .track();
              });
      assertTrue(Vigil.flush(Duration.ofSeconds(5)));
      JsonNode rows =
          Vectors.JSON.readTree(server.admin("/api/events?app=" + server.app + "&limit=100"));
      List<String> types = new ArrayList<>();
      for (JsonNode row : rows) {
        types.add(row.get("type").asText());
        JsonNode req = row.get("event").get("request");
        assertEquals("192.0.2.10", req.get("ip").asText());
        assertEquals("JUnit/5", req.get("user_agent").asText());
        assertEquals(t.seen().device(), req.get("device").asText());
      }
      assertEquals(
          List.of("auth.failure", "auth.success", "custom"), types.stream().sorted().toList());
      assertEquals(java.util.Optional.empty(), Vigil.stats().lastError());
    }
  }
}
