package dev.vigil.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A JVM whose app returns from main exits promptly with Vigil's worker running: the worker is a
 * native thread the JVM does not wait for, and the shutdown hook flushes within 2 s even with the
 * server down. Vigil's own log records reach SLF4J on the way.
 */
class ExitTest {

  /**
   * The child JVM: tracks against a closed port on 127.0.0.1 (or, with "local", brute-forces one
   * account in local mode), then returns from main.
   */
  public static void main(String[] args) {
    if (args[0].equals("local")) {
      Vigil.start(VigilOptions.builder());
      for (int i = 0; i < 40; i++) {
        Vigil.authTrack(false, Map.of("username", "victim"));
      }
    } else {
      Vigil.start(VigilOptions.builder().url(args[0]).token("vt_0123456789abcdef0123456789abcdef"));
      for (int i = 0; i < 1000; i++) {
        Vigil.authTrack(i % 2 == 0, Map.of("username", "user" + i));
      }
    }
    System.out.println("returning from main");
  }

  private static String child(Path dir, String arg) throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path out = dir.resolve("child.log");
    Process child =
        new ProcessBuilder(
                javaBin,
                "-cp",
                System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                ExitTest.class.getName(),
                arg)
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    assertTrue(child.waitFor(20, TimeUnit.SECONDS), "the child JVM did not exit");
    String log = Files.readString(out, StandardCharsets.UTF_8);
    assertEquals(0, child.exitValue(), log);
    assertTrue(log.contains("returning from main"), log);
    return log;
  }

  @Test
  void theCoresLogRecordsReachSlf4j(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    // The local engine opens an incident on the brute force and logs it; SLF4J's simple
    // logger prints it as the `dev.vigil.sdk` logger's.
    String log = child(dir, "local");
    assertTrue(log.contains("WARN dev.vigil.sdk - "), log);
  }

  @Test
  void theJvmExitsWithinTheDeadline(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    long started = System.nanoTime();
    String log = child(dir, "http://127.0.0.1:" + closed);
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    // JVM start-up, the 1000 calls, and at most the 2 s flush deadline.
    assertTrue(took.compareTo(Duration.ofSeconds(8)) < 0, "took " + took + "\n" + log);
  }
}
