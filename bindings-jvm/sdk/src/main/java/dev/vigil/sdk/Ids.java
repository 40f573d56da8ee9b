package dev.vigil.sdk;

import dev.vigil.sdk.ffi.Property;
import dev.vigil.sdk.ffi.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Arguments as they cross to the native layer: identifiers as one flat list ({@code key, value,
 * key, value}, in the map's order), properties as typed values. Nulls are the caller's bug and fail
 * as Java fails them, with a {@link NullPointerException} naming the argument.
 */
final class Ids {
  private Ids() {}

  static List<String> flat(Map<String, String> ids, String what) {
    Objects.requireNonNull(ids, what);
    List<String> out = new ArrayList<>(ids.size() * 2);
    for (Map.Entry<String, String> e : ids.entrySet()) {
      out.add(Objects.requireNonNull(e.getKey(), () -> "a key of " + what));
      out.add(Objects.requireNonNull(e.getValue(), () -> what + " value of " + e.getKey()));
    }
    return out;
  }

  /** Appends one identifier to a builder's flat list. */
  static void add(List<String> ids, String key, String value) {
    ids.add(Objects.requireNonNull(key, "key"));
    ids.add(Objects.requireNonNull(value, () -> "the value of " + key));
  }

  /** Puts a checked property or trait into a builder's map, made on first use. */
  static Map<String, Object> put(Map<String, Object> into, String key, Object value) {
    Objects.requireNonNull(key, "key");
    value(key, value);
    Map<String, Object> out = into == null ? new java.util.LinkedHashMap<>() : into;
    out.put(key, value);
    return out;
  }

  /** A property or trait value: text, a number or a boolean. */
  static Value value(String key, Object value) {
    Objects.requireNonNull(value, () -> "the value of " + key);
    if (value instanceof String s) {
      return new Value.Text(s);
    }
    if (value instanceof Boolean b) {
      return new Value.Flag(b);
    }
    if (value instanceof Number n) {
      return new Value.Number(n.doubleValue());
    }
    if (value instanceof CharSequence s) {
      return new Value.Text(s.toString());
    }
    throw new IllegalArgumentException(
        "the value of "
            + key
            + " must be a String, a Number or a Boolean, not "
            + value.getClass().getName());
  }

  static List<Property> properties(Map<String, ?> props, String what) {
    Objects.requireNonNull(props, what);
    if (props.isEmpty()) {
      return List.of();
    }
    List<Property> out = new ArrayList<>(props.size());
    for (Map.Entry<String, ?> e : props.entrySet()) {
      String key = Objects.requireNonNull(e.getKey(), () -> "a key of " + what);
      out.add(new Property(key, value(key, e.getValue())));
    }
    return out;
  }
}
