package dev.vigil.sdk;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Calls about one user, named by the identifiers given with {@link #authKey}: {@code
 * Vigil.user().authKey("email", email).trackLogin(success)}. Not thread-safe; make one per call.
 */
public final class UserBuilder {
  private final List<String> ids = new ArrayList<>(4);
  private Map<String, Object> traits;

  /** -1 not said, 0 the account does not exist, 1 it does. */
  private byte exists = -1;

  UserBuilder() {}

  /** An identifier of the user; the first given names the user unless a rule says otherwise. */
  public UserBuilder authKey(String key, String value) {
    Ids.add(ids, key, value);
    return this;
  }

  /** Every entry of {@code ids}, in its order. */
  public UserBuilder authKeys(Map<String, String> ids) {
    this.ids.addAll(Ids.flat(ids, "ids"));
    return this;
  }

  /** A trait of the user (text, number or boolean), checked and sent with {@link #identify}. */
  public UserBuilder trait(String key, Object value) {
    traits = Ids.put(traits, key, value);
    return this;
  }

  /** For a failed login: whether the account exists (a login for a missing one is a probe). */
  public UserBuilder accountExists(boolean exists) {
    this.exists = (byte) (exists ? 1 : 0);
    return this;
  }

  /** Records a login attempt; true when the event was queued. */
  public boolean trackLogin(boolean success) {
    // One thread-local read gives both the request and the fast lane's reference to it.
    VigilRequest b = Native.binding();
    var r = b != null ? b.request : Native.detached();
    if (r == null) {
      return false;
    }
    int fast = FastLane.authTrack(b != null ? b.raw : 0, success, exists, ids);
    return fast == FastLane.FALLBACK
        ? Errors.call(() -> r.authTrack(success, exists, ids))
        : fast == 1;
  }

  /** Records a signup; true when the event was queued. */
  public boolean trackSignup() {
    VigilRequest b = Native.binding();
    var r = b != null ? b.request : Native.detached();
    if (r == null) {
      return false;
    }
    int fast = FastLane.signupTrack(b != null ? b.raw : 0, ids);
    return fast == FastLane.FALLBACK ? Errors.call(() -> r.signupTrack(ids)) : fast == 1;
  }

  /**
   * Associates the user with the current request (the ban check and later events use it).
   *
   * @throws UserBlockedException when the user, on this request's device, or the request's IP is
   *     blocked
   */
  public void identify() {
    VigilRequest b = Native.binding();
    var r = b != null ? b.request : Native.detached();
    if (r == null) {
      return;
    }
    boolean blocked;
    if (traits != null) {
      blocked = Errors.call(() -> r.identifyWithTraits(ids, Ids.properties(traits, "traits")));
    } else {
      int fast = FastLane.identify(b != null ? b.raw : 0, ids);
      blocked = fast == FastLane.FALLBACK ? Errors.call(() -> r.identify(ids)) : fast == 1;
    }
    if (blocked) {
      var d = Errors.call(() -> r.blockingFor(ids));
      if (d != null) {
        throw new UserBlockedException(Decision.of(d));
      }
    }
  }

  /** The verdict on the current request for this user, from the decisions held (no I/O). */
  public Assessment assess() {
    var r = Native.request();
    return r == null ? Assessment.ALLOW : Assessment.of(Errors.call(() -> r.assess(ids)));
  }

  /** Records how a challenge of this user went; a success ends the user's challenges. */
  public boolean trackChallenge(ChallengeResult result) {
    Objects.requireNonNull(result, "result");
    var r = Native.request();
    return r != null && Errors.call(() -> r.challengeTrack(result.wire, ids));
  }
}
