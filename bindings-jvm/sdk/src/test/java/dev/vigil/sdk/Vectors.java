package dev.vigil.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The shared test vectors of tests/vectors/ (the build passes their directory). */
final class Vectors {
  static final ObjectMapper JSON = new ObjectMapper();

  private Vectors() {}

  static Path dir() {
    String dir = System.getenv("VIGIL_VECTORS");
    return dir != null ? Path.of(dir) : Path.of("..", "..", "tests", "vectors");
  }

  static JsonNode file(String name) {
    try {
      return JSON.readTree(dir().resolve(name).toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<JsonNode> cases(String name) {
    List<JsonNode> out = new ArrayList<>();
    file(name).get("cases").forEach(out::add);
    return out;
  }

  /** A JSON object of strings as a map, in order. */
  static Map<String, String> strings(JsonNode object) {
    Map<String, String> out = new LinkedHashMap<>();
    if (object != null && !object.isNull()) {
      object.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
    }
    return out;
  }

  static String text(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }
}
