package dev.vigil.bench;

import dev.vigil.sdk.VigilOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** What the benchmarks and the memory program share: the closed port, the user, the options. */
final class Bench {
  private Bench() {}

  /** The one identifier of every call: Vigil's {@code email} key, the peers' user id. */
  static final String EMAIL = "alice@example.com";

  /** Any well-formed app token: nothing ever reads it, the server is down. */
  static final String TOKEN = "vt_0123456789abcdef0123456789abcdef";

  /** A login's one fact beyond the user, for the peers (Vigil's is the {@code true} argument). */
  static final Map<String, Object> LOGIN = Map.of("success", true);

  /** The system property the generated Kotlin loads the native library from, when set. */
  static final String LIBRARY_OVERRIDE = "uniffi.component.vigil.libraryOverride";

  /**
   * A port on 127.0.0.1 that nothing listens on: bound to find a free one, then closed, so every
   * client's delivery fails at once with "connection refused".
   */
  static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String url(int port) {
    return "http://127.0.0.1:" + port;
  }

  /** Vigil pointed at the closed port, with the defaults a deployment has. */
  static VigilOptions vigil(int port) {
    return VigilOptions.builder().url(url(port)).token(TOKEN);
  }

  /** Where the native library comes from, so a run with the wrong one is seen. */
  static String library() {
    String override = System.getProperty(LIBRARY_OVERRIDE);
    if (override != null) {
      return override + " (" + LIBRARY_OVERRIDE + ")";
    }
    // The jar's library is release only when the sdk was built with -Dvigil.cargo.profile=release
    // (a stripped release library is about a third of the size of a stripped debug one).
    var jar = Bench.class.getResource("/linux-x86-64/libvigil_uniffi.so");
    long size = -1;
    if (jar != null) {
      try {
        size = jar.openConnection().getContentLengthLong();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return String.format(
        "libvigil_uniffi.so inside the vigil-sdk jar, %,d bytes (release when built with"
            + " -Dvigil.cargo.profile=release)",
        size);
  }

  /** Resident memory of this process (heap, JIT, and the Rust core alike), in KiB. */
  static long rssKib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.substring(6).replace("kB", "").trim());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return 0;
  }
}
