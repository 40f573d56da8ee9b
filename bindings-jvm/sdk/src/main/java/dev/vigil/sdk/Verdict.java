package dev.vigil.sdk;

/** What to do with a request, most severe last. */
public enum Verdict {
  ALLOW,
  /** Ask the user to prove who they are, then report how it went with {@code challengeTrack}. */
  CHALLENGE,
  /** Refuse the request: a block or redirect decision applies. */
  DENY;

  static Verdict of(String name) {
    return switch (name) {
      case "challenge" -> CHALLENGE;
      case "deny" -> DENY;
      default -> ALLOW;
    };
  }
}
