package dev.vigil.sdk;

import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The three hot calls ({@code trackLogin}, {@code trackSignup}, {@code identify}) through the
 * native library's fast lane ({@code bindings-uniffi/src/fast.rs}): JNA direct mapping with
 * primitives and one UTF-8 byte array, so no JNA {@code Structure} is allocated per call (each of
 * uniffi's calls allocates several, which JNA frees only through the GC and its cleaner: about 33
 * µs a call and gigabytes of native memory waiting, measured). An answer of {@link #FALLBACK}
 * means: make the same call through uniffi, which raises the typed error.
 */
final class FastLane {
  static final int FALLBACK = -1;

  static {
    // The library uniffi's Kotlin loaded: same name, same options, so JNA's cached instance.
    String name = System.getProperty("uniffi.component.vigil.libraryOverride", "vigil_uniffi");
    com.sun.jna.Native.register(
        FastLane.class,
        NativeLibrary.getInstance(
            name, Map.of(Library.OPTION_CLASSLOADER, FastLane.class.getClassLoader())));
  }

  private FastLane() {}

  private static native int vigil_jvm_auth_track(
      long request, byte success, byte exists, byte[] ids, int len);

  private static native int vigil_jvm_signup_track(long request, byte[] ids, int len);

  private static native int vigil_jvm_identify(long request, byte[] ids, int len);

  private static native void vigil_jvm_request_release(long request);

  /** {@code key NUL value NUL ...}; null when a string holds a NUL (uniffi carries those). */
  private static byte[] encode(List<String> flat) {
    StringBuilder all = new StringBuilder(64);
    for (int i = 0; i < flat.size(); i++) {
      String s = flat.get(i);
      if (s.indexOf('\0') >= 0) {
        return null;
      }
      if (i > 0) {
        all.append('\0');
      }
      all.append(s);
    }
    return all.toString().getBytes(StandardCharsets.UTF_8);
  }

  static int authTrack(long request, boolean success, byte exists, List<String> ids) {
    byte[] b = encode(ids);
    return b == null
        ? FALLBACK
        : vigil_jvm_auth_track(request, (byte) (success ? 1 : 0), exists, b, b.length);
  }

  static int signupTrack(long request, List<String> ids) {
    byte[] b = encode(ids);
    return b == null ? FALLBACK : vigil_jvm_signup_track(request, b, b.length);
  }

  static int identify(long request, List<String> ids) {
    byte[] b = encode(ids);
    return b == null ? FALLBACK : vigil_jvm_identify(request, b, b.length);
  }

  static void release(long request) {
    vigil_jvm_request_release(request);
  }
}
