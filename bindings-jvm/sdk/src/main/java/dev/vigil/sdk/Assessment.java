package dev.vigil.sdk;

import java.util.List;
import java.util.Optional;

/**
 * The verdict on a request and the decisions behind it (the user's first, then the IP's).
 *
 * @param verdict allow, challenge or deny
 * @param decisions empty for {@link Verdict#ALLOW}
 */
public record Assessment(Verdict verdict, List<Decision> decisions) {
  static final Assessment ALLOW = new Assessment(Verdict.ALLOW, List.of());

  public Assessment {
    decisions = List.copyOf(decisions);
  }

  /** The decision that speaks for the verdict, if any. */
  public Optional<Decision> decision() {
    return decisions.stream().findFirst();
  }

  static Assessment of(dev.vigil.sdk.ffi.Verdict v) {
    if (v.getDecisions().isEmpty()) {
      return new Assessment(Verdict.of(v.getVerdict()), List.of());
    }
    return new Assessment(
        Verdict.of(v.getVerdict()), v.getDecisions().stream().map(Decision::of).toList());
  }
}
