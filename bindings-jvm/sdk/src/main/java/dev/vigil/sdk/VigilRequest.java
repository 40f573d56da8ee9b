package dev.vigil.sdk;

import dev.vigil.sdk.ffi.Request;
import dev.vigil.sdk.ffi.VigilKt;
import java.util.Optional;

/**
 * One HTTP request as Vigil sees it, for framework adapters (the servlet filter is one): its client
 * IP after the trusted-proxy rules, its device from the signed cookie, and the user {@code
 * identify} attaches. While it is open, the SDK's calls on this thread belong to it.
 *
 * <pre>{@code
 * try (VigilRequest vr = VigilRequest.begin(peer, forwarded, ua, method, path, cookie, true)) {
 *   vr.setCookie().ifPresent(c -> response.addHeader("Set-Cookie", c));
 *   Optional<BlockResponse> blocked = vr.blockResponse(accept);
 *   ...
 * }
 * }</pre>
 */
public final class VigilRequest implements AutoCloseable {
  private static final VigilRequest INERT = new VigilRequest(null, 0);

  /** Null when Vigil does not watch this request. */
  final Request request;

  /** The fast lane's reference to {@link #request}, released at close; 0 for none. */
  final long raw;

  private VigilRequest previous;

  private VigilRequest(Request request, long raw) {
    this.request = request;
    this.raw = raw;
  }

  /**
   * Opens a request and binds it to this thread.
   *
   * @param peer the socket's peer address ({@code host} or {@code host:port})
   * @param forwarded the lines of the client-IP header ({@link #clientIpHeader()}), joined with
   *     commas; null when absent
   * @param canSetCookie whether the adapter sends {@link #setCookie()}: without it, a request with
   *     no valid device cookie gets no device rather than a new one each time
   */
  public static VigilRequest begin(
      String peer,
      String forwarded,
      String userAgent,
      String method,
      String path,
      String cookie,
      boolean canSetCookie) {
    if (!Native.available()) {
      return INERT;
    }
    Request r;
    try {
      r =
          Errors.call(
              () -> new Request(peer, forwarded, userAgent, method, path, cookie, canSetCookie));
    } catch (VigilException e) {
      // The client could not start (bad configuration): fail open; the app's requests go on.
      Native.LOG.warn("Vigil does not watch this request: {}", e.getMessage());
      return INERT;
    }
    VigilRequest vr = new VigilRequest(r, r.raw());
    vr.previous = Native.bind(vr);
    return vr;
  }

  /** The request bound to this thread, if any. */
  public static Optional<VigilRequest> current() {
    return Optional.ofNullable(Native.current());
  }

  /** The name of the header the client IP is read from, lower case (e.g. x-forwarded-for). */
  public static String clientIpHeader() {
    if (!Native.available()) {
      return "x-forwarded-for";
    }
    return Errors.call(VigilKt::clientIpHeader);
  }

  /** The {@code Set-Cookie} value of a fresh device cookie, to send with the response. */
  public Optional<String> setCookie() {
    return request == null ? Optional.empty() : Optional.ofNullable(request.setCookie());
  }

  /** The client IP, after the trusted-proxy rules. */
  public Optional<String> clientIp() {
    return request == null ? Optional.empty() : Optional.ofNullable(request.clientIp());
  }

  /** The device, from the signed device cookie (or the fresh one). */
  public Optional<String> device() {
    return request == null ? Optional.empty() : Optional.ofNullable(request.device());
  }

  /** The key of the user {@code identify} attached. */
  public Optional<String> userKey() {
    return request == null ? Optional.empty() : Optional.ofNullable(request.userKey());
  }

  /**
   * The response to send when this request (its identified user, else its IP) is blocked,
   * negotiated on {@code accept}; empty when it is not.
   */
  public Optional<BlockResponse> blockResponse(String accept) {
    if (request == null || !Errors.call(request::isBlocked)) {
      return Optional.empty();
    }
    var response = Errors.call(() -> request.blockResponse(accept));
    return Optional.ofNullable(response).map(BlockResponse::of);
  }

  /** Unbinds the request from this thread and frees it. */
  @Override
  public void close() {
    if (request != null) {
      Native.restore(previous);
      FastLane.release(raw);
      request.close();
    }
  }
}
