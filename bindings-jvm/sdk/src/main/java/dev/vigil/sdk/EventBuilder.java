package dev.vigil.sdk;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A custom security event: {@code Vigil.event("my.event").authKey("email", e).property("plan",
 * "pro").track()}. Without identifiers, the event is the current request's identified user's.
 */
public final class EventBuilder {
  private final String name;
  private final List<String> ids = new ArrayList<>(2);
  private Map<String, Object> properties;
  private long timestampMs = Long.MIN_VALUE;

  EventBuilder(String name) {
    this.name = Objects.requireNonNull(name, "event");
  }

  public EventBuilder authKey(String key, String value) {
    Ids.add(ids, key, value);
    return this;
  }

  public EventBuilder authKeys(Map<String, String> ids) {
    this.ids.addAll(Ids.flat(ids, "ids"));
    return this;
  }

  /** A property (text, number or boolean); at most 16 per event. */
  public EventBuilder property(String key, Object value) {
    properties = Ids.put(properties, key, value);
    return this;
  }

  public EventBuilder properties(Map<String, ?> properties) {
    Objects.requireNonNull(properties, "properties").forEach(this::property);
    return this;
  }

  /** When the event happened (default: now). */
  public EventBuilder timestamp(Date timestamp) {
    this.timestampMs = Objects.requireNonNull(timestamp, "timestamp").getTime();
    return this;
  }

  public EventBuilder timestamp(Instant timestamp) {
    this.timestampMs = Objects.requireNonNull(timestamp, "timestamp").toEpochMilli();
    return this;
  }

  /** Records the event; true when it was queued. */
  public boolean track() {
    var r = Native.request();
    if (r == null) {
      return false;
    }
    var props =
        properties == null
            ? List.<dev.vigil.sdk.ffi.Property>of()
            : Ids.properties(properties, "properties");
    return Errors.call(() -> r.track(name, ids, props, timestampMs));
  }
}
