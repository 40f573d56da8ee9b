package dev.vigil.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.sdk.ffi.VigilKt;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every call of the Java API and every error it maps, on a local-mode client. */
class ApiTest {
  private static final String ALICE = "alice@example.com";

  @BeforeEach
  void freshClient() {
    Vigil.close();
    Vigil.start(VigilOptions.builder());
  }

  /** A decision feed blocking {@code key} (scope user) or an IP. */
  private static void block(String scope, String value, String action, String extra)
      throws Exception {
    String feed =
        "{\"cursor\":7,\"reset\":false,\"upserts\":[{\"id\":\"d_test\",\"scope\":\""
            + scope
            + "\",\"value\":\""
            + value
            + "\",\"action\":\""
            + action
            + "\",\"expires_at\":null,\"reason\":\"manual\""
            + extra
            + "}],\"deletes\":[]}";
    assertEquals(0, VigilKt.testingApplyFeed(feed));
  }

  @Test
  void trackingCallsQueueEvents() {
    long before = Vigil.stats().enqueued();
    assertTrue(Vigil.user().authKey("email", ALICE).trackSignup());
    assertTrue(Vigil.user().authKey("email", ALICE).trackLogin(true));
    assertTrue(
        Vigil.user().authKey("email", "ghost@example.com").accountExists(false).trackLogin(false));
    assertTrue(Vigil.signupTrack(Map.of("username", "bob")));
    assertTrue(Vigil.authTrack(false, Map.of("username", "bob")));
    assertTrue(
        Vigil.event("password.reset")
            .authKey("email", ALICE)
            .property("via", "sms")
            .property("attempt", 2)
            .property("forced", false)
            .timestamp(new Date())
            .track());
    assertTrue(
        Vigil.event("export").timestamp(Instant.now()).properties(Map.of("rows", 10)).track());
    assertTrue(Vigil.alias(Map.of("email", ALICE), Map.of("email", "alice@new.example")));
    assertTrue(Vigil.challengeTrack(ChallengeResult.SUCCEEDED, Map.of("email", ALICE)));
    Vigil.user().authKey("email", ALICE).trait("plan", "pro").identify();
    Vigil.identify(Map.of("email", ALICE), Map.of("mood", "good"));
    // Nine calls, and one `identify.seen` (at most one per user, IP and minute).
    assertEquals(before + 10, Vigil.stats().enqueued());
    assertTrue(Vigil.stats().local());
    assertTrue(Vigil.flush(Duration.ofSeconds(2)));
  }

  @Test
  void sqreenPortsByAnImportChange() {
    assertTrue(Sqreen.user().authKey("login", "carol").trait("mood", "ok").trackLogin(true));
    assertTrue(Sqreen.user().authKey("login", "carol").trackSignup());
    Sqreen.user().authKey("login", "carol").identify();
    assertTrue(Sqreen.user().authKey("login", "nobody").accountExists(false).trackLogin(false));
    assertTrue(Sqreen.event("my.event").authKey("login", "carol").property("k", "v").track());
    assertTrue(Sqreen.signupTrack(Map.of("login", "dave")));
    assertTrue(Sqreen.authTrack(true, Map.of("login", "dave")));
    Sqreen.identify(Map.of("login", "dave"));
    Sqreen.identify(Map.of("login", "dave"), Map.of("mood", "fine"));
  }

  @Test
  void identifierErrorsAreTyped() {
    assertEquals(
        "empty", assertThrows(IdentifierException.class, () -> Vigil.signupTrack(Map.of())).code());
    assertEquals(
        "empty_value",
        assertThrows(IdentifierException.class, () -> Vigil.authTrack(true, Map.of("email", " ")))
            .code());
    Map<String, String> duplicate = new LinkedHashMap<>();
    duplicate.put("Email", "a@b.c");
    duplicate.put("email", "a@b.c");
    IdentifierException e =
        assertThrows(IdentifierException.class, () -> Vigil.identify(duplicate));
    assertEquals("duplicate_key", e.code());
    assertTrue(e.getMessage().contains("the same after normalization"), e.getMessage());
    assertEquals(
        "key_too_long",
        assertThrows(IdentifierException.class, () -> Vigil.normalize(Map.of("k".repeat(200), "v")))
            .code());
    assertTrue(new IdentifierException("x", "y") instanceof VigilException);
    // A NUL cannot cross the fast lane's encoding: the call goes through uniffi, same rules.
    for (String bad : new String[] {"a\u0000b", "a\u0000b\u0000c"}) {
      assertEquals(
          "control_character",
          assertThrows(IdentifierException.class, () -> Vigil.authTrack(true, Map.of("k", bad)))
              .code());
      assertEquals(
          "control_character",
          assertThrows(IdentifierException.class, () -> Vigil.identify(Map.of("k", bad))).code());
    }
  }

  @Test
  void eventErrorsAreTyped() {
    assertEquals(
        "reserved_event_name",
        assertThrows(EventException.class, () -> Vigil.event("vigil.x").track()).code());
    assertEquals(
        "event_name_length",
        assertThrows(EventException.class, () -> Vigil.event("").track()).code());
    EventBuilder many = Vigil.event("many");
    for (int i = 0; i < 17; i++) {
      many.property("k" + i, i);
    }
    assertEquals("too_many_properties", assertThrows(EventException.class, many::track).code());
    assertEquals(
        "invalid_property",
        assertThrows(EventException.class, () -> Vigil.event("e").property("n", Double.NaN).track())
            .code());
    assertEquals(
        "invalid_timestamp",
        assertThrows(
                EventException.class,
                () -> Vigil.event("e").timestamp(Instant.parse("1969-01-01T00:00:00Z")).track())
            .code());
    assertThrows(
        IllegalArgumentException.class, () -> Vigil.event("e").property("o", new Object()));
    assertThrows(IllegalArgumentException.class, () -> Vigil.user().trait("o", new int[0]));
  }

  @Test
  void configErrorsAreTypedAndKeepTheRunningClient() {
    Vigil.start(VigilOptions.builder().set("flush_interval_ms", "250"));
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> Vigil.start(VigilOptions.builder().set("flush_interval_ms", "soon")));
    assertEquals("config", e.code());
    assertThrows(ConfigException.class, () -> Vigil.start(Map.of("no_such_option", "1")));
    assertThrows(ConfigException.class, () -> Vigil.flush(Duration.ofMillis(-1)));
    assertTrue(Vigil.user().authKey("email", ALICE).trackLogin(true), "still running");
  }

  @Test
  void nullsFollowJavaRules() {
    assertThrows(NullPointerException.class, () -> Vigil.user().authKey(null, "x"));
    assertThrows(NullPointerException.class, () -> Vigil.user().authKey("email", null));
    assertThrows(NullPointerException.class, () -> Vigil.signupTrack(null));
    Map<String, String> withNull = new HashMap<>();
    withNull.put("email", null);
    NullPointerException npe =
        assertThrows(NullPointerException.class, () -> Vigil.authTrack(true, withNull));
    assertTrue(npe.getMessage().contains("email"), npe.getMessage());
    assertThrows(NullPointerException.class, () -> Vigil.event(null));
    assertThrows(NullPointerException.class, () -> Vigil.event("e").property("k", null));
    assertThrows(NullPointerException.class, () -> Vigil.start((VigilOptions) null));
    assertThrows(NullPointerException.class, () -> Vigil.flush(null));
    assertThrows(NullPointerException.class, () -> Vigil.challengeTrack(null, Map.of("a", "b")));
  }

  @Test
  void aBlockedUserIsRefusedByIdentify() throws Exception {
    String key = Vigil.normalize(Map.of("email", ALICE)).key();
    block("user", key, "block", "");
    UserBlockedException e =
        assertThrows(UserBlockedException.class, () -> Vigil.identify(Map.of("email", ALICE)));
    assertEquals("d_test", e.decision().id());
    assertEquals("block", e.decision().action());
    assertEquals("user", e.decision().scope());
    assertEquals(key, e.decision().value());
    assertEquals("manual", e.decision().reason());
    assertTrue(e.decision().expiresAt().isEmpty());
    assertEquals("blocked", e.code());
    Vigil.identify(Map.of("email", "someone.else@example.com"));
    Assessment a = Vigil.assess(Map.of("email", ALICE));
    assertEquals(Verdict.DENY, a.verdict());
    assertEquals("d_test", a.decision().orElseThrow().id());
    assertEquals(Verdict.ALLOW, Vigil.assess(Map.of("email", "x@example.com")).verdict());
  }

  @Test
  void challengesAreVerdictsNotBlocks() throws Exception {
    String key = Vigil.normalize(Map.of("email", ALICE)).key();
    block("user", key, "challenge", "");
    Vigil.identify(Map.of("email", ALICE));
    assertEquals(Verdict.CHALLENGE, Vigil.user().authKey("email", ALICE).assess().verdict());
  }

  @Test
  void aBlockedIpIsAnsweredByTheFilterBeforeTheApp() throws Exception {
    block("ip", "192.0.2.66", "block", "");
    var request = Through.get("/account");
    request.setRemoteAddr("192.0.2.66");
    request.addHeader("Accept", "application/json");
    Through t = Through.filter(request);
    assertNull(t.seen(), "the handler never ran");
    assertEquals(403, t.response().getStatus());
    assertTrue(t.response().getContentAsString().contains("d_test"));
    assertEquals("application/json", t.response().getContentType());
  }

  @Test
  void identifyInAHandlerBecomesTheBlockResponse() throws Exception {
    String key = Vigil.normalize(Map.of("email", ALICE)).key();
    block("user", key, "block", "");
    var request = Through.get("/account");
    request.addHeader("Accept", "text/html");
    Through t = Through.filter(request, () -> Vigil.identify(Map.of("email", ALICE)));
    assertEquals(key, t.seen().userKey());
    assertEquals(403, t.response().getStatus());
    assertTrue(t.response().getContentAsString().contains("Reference: d_test"));
    // The next request of that user, identified again, is refused the same way; the IP is not.
    assertEquals(200, Through.filter(Through.get("/")).response().getStatus());
  }

  @Test
  void aRedirectDecisionRedirects() throws Exception {
    block("ip", "192.0.2.67", "redirect", ",\"url\":\"/blocked\"");
    var request = Through.get("/");
    request.setRemoteAddr("192.0.2.67");
    Through t = Through.filter(request);
    assertEquals(303, t.response().getStatus());
    assertEquals("/blocked", t.response().getHeader("Location"));
  }

  @Test
  void callsInARequestCarryItsContext() {
    var request = Through.get("/login");
    request.addHeader("User-Agent", "JUnit");
    Through t =
        Through.filter(
            request,
            () -> {
              assertTrue(Vigil.user().authKey("email", ALICE).trackLogin(true));
              Vigil.identify(Map.of("email", ALICE));
              assertTrue(Vigil.event("viewed").track(), "the identified user's event");
              assertFalse(Vigil.isBlocked());
              assertEquals(Verdict.ALLOW, Vigil.assess().verdict());
            });
    assertEquals("192.0.2.10", t.seen().clientIp());
    assertEquals(Vigil.normalize(Map.of("email", ALICE)).key(), t.seen().userKey());
    assertEquals(1, t.setCookies().size(), "a fresh device cookie");
    assertTrue(VigilRequest.current().isEmpty(), "unbound after the request");
  }

  @Test
  void normalizeAndStats() {
    NormalizedIdentity n = Vigil.normalize(Map.of("Email", " Alice@Example.COM "));
    assertEquals(Map.of("email", "alice@example.com"), n.ids());
    assertEquals("email", n.primary());
    assertTrue(n.key().matches("u_[0-9a-f]{32}"), n.key());
    Stats s = Vigil.stats();
    assertTrue(s.local());
    assertEquals(0, s.dropped());
    assertTrue(Vigil.version().matches("\\d+\\.\\d+\\.\\d+.*"));
  }

  @Test
  void closeStopsAndTheNextCallStartsAgain() {
    try (VigilClient vigil = Vigil.start(VigilOptions.builder())) {
      assertTrue(vigil.flush(Duration.ofSeconds(1)));
      assertTrue(vigil.stats().local());
    }
    assertFalse(VigilKt.started());
    assertTrue(Vigil.signupTrack(Map.of("username", "eve")));
    assertTrue(VigilKt.started());
  }
}
