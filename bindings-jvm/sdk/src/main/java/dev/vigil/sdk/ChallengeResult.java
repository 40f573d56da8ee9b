package dev.vigil.sdk;

/** How a challenge went, for {@code challengeTrack}. */
public enum ChallengeResult {
  REQUESTED("requested"),
  SUCCEEDED("succeeded"),
  FAILED("failed");

  final String wire;

  ChallengeResult(String wire) {
    this.wire = wire;
  }
}
