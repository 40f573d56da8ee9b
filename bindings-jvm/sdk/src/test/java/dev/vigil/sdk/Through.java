package dev.vigil.sdk;

import dev.vigil.sdk.servlet.VigilFilter;
import jakarta.servlet.FilterChain;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * One request through the real {@link VigilFilter}, on Spring's servlet request and response
 * implementations: what the app's handler saw of Vigil's request, and the response.
 */
record Through(VigilSeen seen, MockHttpServletResponse response) {

  /** What a handler read of the bound request; null when the filter answered first. */
  record VigilSeen(String clientIp, String device, String userKey, String setCookie) {}

  interface Handler {
    void handle() throws Exception;
  }

  static Through filter(MockHttpServletRequest request) {
    return filter(request, () -> {});
  }

  static Through filter(MockHttpServletRequest request, Handler handler) {
    MockHttpServletResponse response = new MockHttpServletResponse();
    AtomicReference<VigilSeen> seen = new AtomicReference<>();
    FilterChain chain =
        (req, res) -> {
          VigilRequest vr = VigilRequest.current().orElseThrow();
          try {
            handler.handle();
          } catch (RuntimeException e) {
            throw e;
          } catch (Exception e) {
            throw new jakarta.servlet.ServletException(e);
          } finally {
            seen.set(
                new VigilSeen(
                    vr.clientIp().orElse(null),
                    vr.device().orElse(null),
                    vr.userKey().orElse(null),
                    vr.setCookie().orElse(null)));
          }
          res.getWriter().write("ok");
        };
    try {
      new VigilFilter().doFilter(request, response, chain);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return new Through(seen.get(), response);
  }

  static MockHttpServletRequest get(String path) {
    MockHttpServletRequest r = new MockHttpServletRequest("GET", path);
    r.setRemoteAddr("192.0.2.10");
    return r;
  }

  /**
   * The Set-Cookie the filter sent, checked to be the request's (Spring's response re-renders a
   * cookie it is given, adding Expires; the request's value is what the core wrote).
   */
  List<String> setCookies() {
    List<String> sent = response.getHeaders("Set-Cookie");
    if (seen == null || seen.setCookie() == null) {
      return sent;
    }
    String nameValue = seen.setCookie().split(";", 2)[0];
    if (sent.size() != 1 || !sent.get(0).startsWith(nameValue + ";")) {
      throw new AssertionError("sent " + sent + ", the request's " + seen.setCookie());
    }
    return List.of(seen.setCookie());
  }
}
