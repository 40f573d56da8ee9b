package dev.vigil.sdk;

import java.time.Instant;
import java.util.Optional;

/**
 * A decision of Vigil's: a block, redirect or challenge of a user, an IP or a network.
 *
 * @param id the decision's id (the reference shown on the block page)
 * @param action {@code block}, {@code redirect} or {@code challenge}
 * @param scope {@code user}, {@code ip} or {@code cidr}
 * @param value the user key, IP or network it covers
 * @param reason why it was made, e.g. {@code playbook:block-brute-force}
 * @param expiresAt when it ends; empty: never
 * @param redirectUrl where a {@code redirect} decision sends the request
 */
public record Decision(
    String id,
    String action,
    String scope,
    String value,
    String reason,
    Optional<Instant> expiresAt,
    Optional<String> redirectUrl) {

  static Decision of(dev.vigil.sdk.ffi.Decision d) {
    Long expires = d.getExpiresAtMs();
    return new Decision(
        d.getId(),
        d.getAction(),
        d.getScope(),
        d.getValue(),
        d.getReason(),
        Optional.ofNullable(expires).map(Instant::ofEpochMilli),
        Optional.ofNullable(d.getRedirectUrl()));
  }
}
