package dev.vigil.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.sdk.servlet.VigilFilter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * The shared edge vectors: tests/vectors/client_ip.json and device_cookie.json through the servlet
 * filter, block_response.json through the core's renderer and the filter's writer.
 */
class EdgeVectorsTest {

  @Test
  void theFilesAreComplete() {
    assertTrue(Vectors.cases("client_ip.json").size() >= 70);
    assertTrue(Vectors.cases("block_response.json").size() >= 25);
    assertTrue(Vectors.cases("device_cookie.json").size() >= 35);
  }

  @TestFactory
  Stream<DynamicTest> clientIp() {
    return Vectors.cases("client_ip.json").stream()
        .map(c -> DynamicTest.dynamicTest(c.get("name").asText(), () -> clientIp(c)));
  }

  private static void clientIp(JsonNode c) {
    Vigil.start(Vectors.strings(c.get("settings")));
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/");
    request.setRemoteAddr(Vectors.text(c.get("peer")));
    c.get("headers").forEach(h -> request.addHeader(h.get(0).asText(), h.get(1).asText()));
    Through t = Through.filter(request);
    assertEquals(Vectors.text(c.get("want")), t.seen().clientIp());
  }

  @TestFactory
  Stream<DynamicTest> blockResponse() {
    return Vectors.cases("block_response.json").stream()
        .map(c -> DynamicTest.dynamicTest(c.get("name").asText(), () -> blockResponse(c)));
  }

  private static void blockResponse(JsonNode c) throws Exception {
    Vigil.start(Vectors.strings(c.get("settings")));
    JsonNode d = c.get("decision");
    String redirect = Vectors.text(d.get("redirect_url"));
    Decision decision =
        new Decision(
            d.get("id").asText(),
            redirect == null ? "block" : "redirect",
            "ip",
            "192.0.2.1",
            d.get("reason").asText(),
            Optional.empty(),
            Optional.ofNullable(redirect));
    BlockResponse got = Vigil.blockResponse(decision, Vectors.text(c.get("accept")));
    JsonNode want = c.get("want");
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    want.get("headers").forEach(h -> headers.add(Map.entry(h.get(0).asText(), h.get(1).asText())));
    byte[] body = want.get("body").asText().getBytes(StandardCharsets.UTF_8);
    assertEquals(want.get("status").asInt(), got.status());
    assertEquals(headers, got.headers());
    assertArrayEquals(body, got.body());
    // The filter's writer sends it as it is.
    MockHttpServletResponse written = new MockHttpServletResponse();
    VigilFilter.write(written, got);
    assertEquals(want.get("status").asInt(), written.getStatus());
    for (Map.Entry<String, String> h : headers) {
      assertEquals(h.getValue(), written.getHeader(h.getKey()), h.getKey());
    }
    assertArrayEquals(body, written.getContentAsByteArray());
  }

  @TestFactory
  Stream<DynamicTest> deviceCookie() {
    return Vectors.cases("device_cookie.json").stream()
        .map(c -> DynamicTest.dynamicTest(c.get("name").asText(), () -> deviceCookie(c)));
  }

  private static Through read(String cookie) {
    MockHttpServletRequest request = Through.get("/");
    if (cookie != null) {
      request.addHeader("Cookie", cookie);
    }
    return Through.filter(request);
  }

  private static void deviceCookie(JsonNode c) {
    VigilOptions options = VigilOptions.builder().setAll(Vectors.strings(c.get("settings")));
    String token = Vectors.text(c.get("token"));
    if (token != null) {
      options.token(token);
    }
    Vigil.start(options);
    Through t = read(Vectors.text(c.get("cookie")));
    JsonNode want = c.get("want");
    String device = Vectors.text(want.get("device"));
    if (device == null) {
      assertNull(t.seen().device());
      assertEquals(List.of(), t.setCookies());
    } else if (device.equals("new")) {
      String name = want.get("set_cookie").get("name").asText();
      String suffix = want.get("set_cookie").get("suffix").asText();
      String fresh = t.seen().device();
      assertNotNull(fresh);
      assertEquals(32, fresh.length());
      assertEquals(1, t.setCookies().size());
      String setCookie = t.setCookies().get(0);
      assertTrue(setCookie.startsWith(name + "=") && setCookie.endsWith(suffix), setCookie);
      String value = setCookie.substring(name.length() + 1, setCookie.length() - suffix.length());
      assertTrue(value.startsWith("v1." + fresh + "."), value);
      // The fresh cookie reads back as the fresh device and is not set again.
      Through again = read(name + "=" + value);
      assertEquals(fresh, again.seen().device());
      assertEquals(List.of(), again.setCookies());
    } else {
      assertEquals(device, t.seen().device());
      assertEquals(List.of(), t.setCookies());
    }
  }
}
