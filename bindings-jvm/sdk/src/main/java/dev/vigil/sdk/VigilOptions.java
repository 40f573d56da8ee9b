package dev.vigil.sdk;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Options for {@link Vigil#start(VigilOptions)}, over {@code vigil.toml} and {@code VIGIL_*}
 * (docs/configuration.md lists every key). Without a URL, Vigil runs in local mode: the engine runs
 * in this process.
 */
public final class VigilOptions {
  private final List<String> flat = new ArrayList<>();

  private VigilOptions() {}

  public static VigilOptions builder() {
    return new VigilOptions();
  }

  /** The server's URL, e.g. {@code http://127.0.0.1:8377}. */
  public VigilOptions url(String url) {
    return set("url", url);
  }

  /** The app token the server gave this app. */
  public VigilOptions token(String token) {
    return set("token", token);
  }

  /** How often events are flushed. */
  public VigilOptions flushInterval(Duration interval) {
    return set("flush_interval_ms", Long.toString(interval.toMillis()));
  }

  /** Any option by its configuration key, e.g. {@code trusted_proxies}. */
  public VigilOptions set(String key, String value) {
    flat.add(Objects.requireNonNull(key, "key"));
    flat.add(Objects.requireNonNull(value, () -> "the value of " + key));
    return this;
  }

  /** Every entry of {@code options}, in its order. */
  public VigilOptions setAll(Map<String, String> options) {
    Objects.requireNonNull(options, "options").forEach(this::set);
    return this;
  }

  List<String> flat() {
    return List.copyOf(flat);
  }
}
