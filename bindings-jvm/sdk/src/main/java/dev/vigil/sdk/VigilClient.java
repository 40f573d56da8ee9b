package dev.vigil.sdk;

import java.time.Duration;

/**
 * The process's client, as {@link Vigil#start} returns it: {@code try (var vigil =
 * Vigil.start(options)) { ... }} flushes and stops it at the end.
 */
public final class VigilClient implements AutoCloseable {
  static final VigilClient INSTANCE = new VigilClient();

  private VigilClient() {}

  public boolean flush(Duration timeout) {
    return Vigil.flush(timeout);
  }

  public Stats stats() {
    return Vigil.stats();
  }

  /** Flushes within 2 s and stops the client. */
  @Override
  public void close() {
    Vigil.close();
  }
}
