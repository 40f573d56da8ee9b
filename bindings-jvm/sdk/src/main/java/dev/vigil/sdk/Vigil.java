package dev.vigil.sdk;

import dev.vigil.sdk.ffi.VigilKt;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Vigil's Java API. No call does I/O on the caller's thread: events are queued for the core's
 * background worker, and ban checks read the decisions it keeps.
 *
 * <pre>{@code
 * Vigil.user().authKey("email", email).trackLogin(success);
 * Vigil.user().authKey("email", email).identify();   // throws UserBlockedException
 * Vigil.event("password.reset").authKey("email", email).property("via", "sms").track();
 * }</pre>
 *
 * <p>{@link #start} is optional: the first call starts Vigil from {@code vigil.toml} and {@code
 * VIGIL_*}, in local mode when no URL is set. The JVM's exit flushes within 2 s.
 */
public final class Vigil {
  private Vigil() {}

  /**
   * Starts (or restarts with other options) the process's client. Bad options throw {@link
   * ConfigException} and leave a running client as it was.
   *
   * @return the client, whose {@code close()} flushes and stops it
   */
  public static VigilClient start(VigilOptions options) {
    Objects.requireNonNull(options, "options");
    if (Native.available()) {
      List<String> flat = options.flat();
      Errors.call(() -> VigilKt.start(flat, Native.EXIT_DEADLINE_MS));
    }
    return VigilClient.INSTANCE;
  }

  /** {@link #start(VigilOptions)} with options by key. */
  public static VigilClient start(Map<String, String> options) {
    return start(VigilOptions.builder().setAll(options));
  }

  /** Calls about one user: {@code Vigil.user().authKey("email", e).trackLogin(ok)}. */
  public static UserBuilder user() {
    return new UserBuilder();
  }

  /** A custom event: {@code Vigil.event("my.event").property("k", v).track()}. */
  public static EventBuilder event(String name) {
    return new EventBuilder(name);
  }

  /** Records a signup; true when the event was queued. */
  public static boolean signupTrack(Map<String, String> ids) {
    return user().authKeys(ids).trackSignup();
  }

  /** Records a login attempt; true when the event was queued. */
  public static boolean authTrack(boolean success, Map<String, String> ids) {
    return user().authKeys(ids).trackLogin(success);
  }

  /**
   * Associates the user with the current request.
   *
   * @throws UserBlockedException when the user or the request's IP is blocked
   */
  public static void identify(Map<String, String> ids) {
    user().authKeys(ids).identify();
  }

  /** {@link #identify(Map)} with the user's traits. */
  public static void identify(Map<String, String> ids, Map<String, ?> traits) {
    UserBuilder user = user().authKeys(ids);
    Objects.requireNonNull(traits, "traits").forEach(user::trait);
    user.identify();
  }

  /** The verdict on the current request for this user, from the decisions held (no I/O). */
  public static Assessment assess(Map<String, String> ids) {
    return user().authKeys(ids).assess();
  }

  /**
   * The verdict on the current request: its identified user's, else the user who last logged in
   * from its IP, and its IP's.
   */
  public static Assessment assess() {
    var r = Native.request();
    return r == null ? Assessment.ALLOW : Assessment.of(Errors.call(() -> r.assess(List.of())));
  }

  /** Records how a challenge went; a success ends the user's challenges. */
  public static boolean challengeTrack(ChallengeResult result, Map<String, String> ids) {
    return user().authKeys(ids).trackChallenge(result);
  }

  /** Carries the history of {@code oldIds} over to {@code newIds} (e.g. after an e-mail change). */
  public static boolean alias(Map<String, String> oldIds, Map<String, String> newIds) {
    List<String> previous = Ids.flat(oldIds, "oldIds");
    List<String> current = Ids.flat(newIds, "newIds");
    var r = Native.request();
    return r != null && Errors.call(() -> r.alias(previous, current));
  }

  /** The identity Vigil makes of {@code ids}, under the running client's PII settings. */
  public static NormalizedIdentity normalize(Map<String, String> ids) {
    return normalize(Ids.flat(ids, "ids"));
  }

  /** {@link #normalize(Map)} of a flat {@code key, value} list (repeated keys allowed). */
  static NormalizedIdentity normalize(List<String> flat) {
    if (!Native.available()) {
      throw new VigilException("unavailable", "Vigil's native library did not load");
    }
    var n = Errors.call(() -> VigilKt.normalize(flat));
    Map<String, String> out = new LinkedHashMap<>();
    List<String> pairs = n.getIds();
    for (int i = 0; i + 1 < pairs.size(); i += 2) {
      out.put(pairs.get(i), pairs.get(i + 1));
    }
    return new NormalizedIdentity(out, n.getPrimary(), n.getKey());
  }

  /** True when the current request (its identified user, else its IP) is blocked. */
  public static boolean isBlocked() {
    var r = Native.request();
    return r != null && Errors.call(r::isBlocked);
  }

  /** The response for a blocked request, negotiated on {@code accept} (null: none sent). */
  public static BlockResponse blockResponse(Decision decision, String accept) {
    Objects.requireNonNull(decision, "decision");
    if (!Native.available()) {
      throw new VigilException("unavailable", "Vigil's native library did not load");
    }
    String redirect = decision.redirectUrl().orElse(null);
    return BlockResponse.of(
        Errors.call(() -> VigilKt.renderBlock(decision.id(), decision.reason(), redirect, accept)));
  }

  /** Sends what is queued, waiting at most {@code timeout}; true when all was delivered. */
  public static boolean flush(Duration timeout) {
    long ms = Objects.requireNonNull(timeout, "timeout").toMillis();
    return !Native.available() || Errors.call(() -> VigilKt.flush(ms));
  }

  /** Flushes within 2 s and stops the client; a later call starts a new one. */
  public static boolean close() {
    return Native.shutdown(Native.EXIT_DEADLINE_MS);
  }

  /** Flushes within {@code timeout} and stops the client. */
  public static boolean close(Duration timeout) {
    return Native.shutdown(Objects.requireNonNull(timeout, "timeout").toMillis());
  }

  /** The client's counters. */
  public static Stats stats() {
    if (!Native.available()) {
      throw new VigilException("unavailable", "Vigil's native library did not load");
    }
    return Stats.of(Errors.call(VigilKt::stats));
  }

  /** The version of the Vigil core in use. */
  public static String version() {
    return Native.available() ? VigilKt.version() : "unavailable";
  }
}
