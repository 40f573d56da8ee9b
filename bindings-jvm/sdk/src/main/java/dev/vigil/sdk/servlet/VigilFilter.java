package dev.vigil.sdk.servlet;

import dev.vigil.sdk.BlockResponse;
import dev.vigil.sdk.UserBlockedException;
import dev.vigil.sdk.Vigil;
import dev.vigil.sdk.VigilRequest;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Enumeration;
import java.util.Map;
import java.util.Optional;

/**
 * Vigil for servlet apps: each request's context (client IP after the trusted-proxy rules, device
 * cookie, user agent, method, path) is bound to its thread for the SDK's calls; a request from a
 * blocked IP, or whose user the IP-to-user fallback finds blocked, is answered with the block
 * response before the app sees it; and a {@link UserBlockedException} that {@code identify} throws
 * and the app leaves uncaught becomes that response too.
 *
 * <p>Register it first in the chain (before Spring Security, so its login events see the request).
 * The client IP, the block page and the device cookie follow Vigil's settings.
 */
public class VigilFilter implements Filter {

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (!(req instanceof HttpServletRequest http) || !(res instanceof HttpServletResponse out)) {
      chain.doFilter(req, res);
      return;
    }
    String accept = http.getHeader("Accept");
    try (VigilRequest vr = begin(http)) {
      vr.setCookie().ifPresent(c -> out.addHeader("Set-Cookie", c));
      Optional<BlockResponse> blocked = vr.blockResponse(accept);
      if (blocked.isPresent()) {
        write(out, blocked.get());
        return;
      }
      try {
        chain.doFilter(req, res);
      } catch (IOException | ServletException | RuntimeException e) {
        UserBlockedException b = blockedCause(e);
        if (b == null || out.isCommitted()) {
          throw e;
        }
        out.reset();
        write(out, Vigil.blockResponse(b.decision(), accept));
      }
    }
  }

  private static VigilRequest begin(HttpServletRequest http) {
    String forwarded = joined(http.getHeaders(VigilRequest.clientIpHeader()));
    return VigilRequest.begin(
        http.getRemoteAddr(),
        forwarded,
        http.getHeader("User-Agent"),
        http.getMethod(),
        http.getRequestURI(),
        joined(http.getHeaders("Cookie")),
        true);
  }

  /** Repeated header lines as one comma-joined value (what the edge rules read as one list). */
  private static String joined(Enumeration<String> lines) {
    if (lines == null || !lines.hasMoreElements()) {
      return null;
    }
    String first = lines.nextElement();
    if (!lines.hasMoreElements()) {
      return first;
    }
    StringBuilder all = new StringBuilder(first);
    while (lines.hasMoreElements()) {
      all.append(',').append(lines.nextElement());
    }
    return all.toString();
  }

  /** The UserBlockedException behind {@code e} (frameworks wrap what handlers throw). */
  static UserBlockedException blockedCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof UserBlockedException b) {
        return b;
      }
    }
    return null;
  }

  /** Writes a block response as the core rendered it. */
  public static void write(HttpServletResponse out, BlockResponse response) throws IOException {
    out.setStatus(response.status());
    for (Map.Entry<String, String> h : response.headers()) {
      if (h.getKey().equalsIgnoreCase("Content-Length")) {
        out.setContentLength(Integer.parseInt(h.getValue()));
      } else {
        out.setHeader(h.getKey(), h.getValue());
      }
    }
    out.getOutputStream().write(response.body());
    out.flushBuffer();
  }
}
