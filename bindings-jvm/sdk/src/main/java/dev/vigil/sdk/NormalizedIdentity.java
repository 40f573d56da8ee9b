package dev.vigil.sdk;

import java.util.Map;

/**
 * An identity after Vigil's rules (trimmed, lower-cased keys and e-mails, NFC, pseudonymized when
 * PII mode says so).
 *
 * @param ids the normalized identifiers, keys in the core's order
 * @param primary the name of the identifier that names the user (e.g. {@code email})
 * @param key the user key ({@code u_} and 32 hex digits) decisions are made on
 */
public record NormalizedIdentity(Map<String, String> ids, String primary, String key) {
  public NormalizedIdentity {
    ids = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(ids));
  }
}
