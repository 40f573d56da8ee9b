package dev.vigil.sdk;

/**
 * Thrown by {@code identify} when the user (on this request's device) or the request's IP is
 * blocked. Left uncaught, the servlet filter answers the request with the block response.
 */
public final class UserBlockedException extends VigilException {
  private static final long serialVersionUID = 1L;
  private final transient Decision decision;

  public UserBlockedException(Decision decision) {
    super("blocked", "blocked by Vigil decision " + decision.id() + " (" + decision.reason() + ")");
    this.decision = decision;
  }

  /** The decision that blocks the request. */
  public Decision decision() {
    return decision;
  }
}
