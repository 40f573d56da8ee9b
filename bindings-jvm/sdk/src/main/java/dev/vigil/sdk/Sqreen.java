package dev.vigil.sdk;

import java.util.Map;

/**
 * Sqreen's Java SDK surface ({@code io.sqreen.agent.sdk.Sqreen}) on Vigil: code written for it
 * ports by changing the import to {@code dev.vigil.sdk.Sqreen}. Everything else is on {@link
 * Vigil}.
 */
public final class Sqreen {
  private Sqreen() {}

  public static UserBuilder user() {
    return Vigil.user();
  }

  public static EventBuilder event(String name) {
    return Vigil.event(name);
  }

  public static boolean signupTrack(Map<String, String> ids) {
    return Vigil.signupTrack(ids);
  }

  public static boolean authTrack(boolean success, Map<String, String> ids) {
    return Vigil.authTrack(success, ids);
  }

  public static void identify(Map<String, String> ids) {
    Vigil.identify(ids);
  }

  public static void identify(Map<String, String> ids, Map<String, ?> traits) {
    Vigil.identify(ids, traits);
  }
}
