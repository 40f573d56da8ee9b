package dev.vigil.sdk;

import java.util.List;
import java.util.Map;

/**
 * The response a blocked request gets, the same from every Vigil SDK: a redirect when the decision
 * says so, else JSON or HTML by the request's {@code Accept}. Adapters write it as is.
 *
 * @param status the HTTP status (403, or 303 for a redirect)
 * @param headers the headers, in order
 * @param body the body
 */
public record BlockResponse(int status, List<Map.Entry<String, String>> headers, byte[] body) {
  public BlockResponse {
    headers = List.copyOf(headers);
  }

  static BlockResponse of(dev.vigil.sdk.ffi.BlockResponse r) {
    List<String> flat = r.getHeaders();
    java.util.ArrayList<Map.Entry<String, String>> headers = new java.util.ArrayList<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      headers.add(Map.entry(flat.get(i), flat.get(i + 1)));
    }
    return new BlockResponse(r.getStatus(), headers, r.getBody());
  }
}
