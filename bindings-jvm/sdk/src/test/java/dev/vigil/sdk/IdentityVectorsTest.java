package dev.vigil.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every case of tests/vectors/identity.json, through normalize and the tracking calls. */
class IdentityVectorsTest {
  private static final List<JsonNode> CASES = Vectors.cases("identity.json");

  @Test
  void theFileIsComplete() {
    assertTrue(CASES.size() >= 100, "identity vectors: " + CASES.size());
  }

  @TestFactory
  Stream<DynamicTest> everyCase() {
    return CASES.stream().map(c -> DynamicTest.dynamicTest(c.get("name").asText(), () -> run(c)));
  }

  private static void run(JsonNode c) {
    JsonNode pii = c.get("pii");
    VigilOptions options = VigilOptions.builder();
    if (pii != null && !pii.isNull()) {
      options
          .set("pii", "hash")
          .set("pii_secret", pii.get("secret").asText())
          .set("keep_email_domain", pii.get("keep_email_domain").asText());
    }
    Vigil.start(options);
    List<String> flat = new ArrayList<>();
    c.get("input")
        .forEach(
            p -> {
              flat.add(p.get(0).asText());
              flat.add(p.get(1).asText());
            });
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < flat.size(); i += 2) {
      map.put(flat.get(i), flat.get(i + 1));
    }
    boolean distinctKeys = new HashSet<>(map.keySet()).size() * 2 == flat.size();
    if (c.has("error")) {
      String code = c.get("error").asText();
      IdentifierException e = assertThrows(IdentifierException.class, () -> Vigil.normalize(flat));
      assertEquals(code, e.code());
      UserBuilder user = Vigil.user();
      for (int i = 0; i < flat.size(); i += 2) {
        user.authKey(flat.get(i), flat.get(i + 1));
      }
      assertEquals(code, assertThrows(IdentifierException.class, user::trackSignup).code());
      if (distinctKeys) {
        assertEquals(
            code, assertThrows(IdentifierException.class, () -> Vigil.normalize(map)).code());
      }
      return;
    }
    JsonNode expect = c.get("expect");
    List<NormalizedIdentity> got = new ArrayList<>(List.of(Vigil.normalize(flat)));
    if (distinctKeys) {
      got.add(Vigil.normalize(map));
    }
    for (NormalizedIdentity n : got) {
      Map<String, String> ids = Vectors.strings(expect.get("ids"));
      assertEquals(ids, n.ids());
      assertEquals(List.copyOf(ids.keySet()), List.copyOf(n.ids().keySet()));
      assertEquals(expect.get("primary").asText(), n.primary());
      assertEquals(expect.get("key").asText(), n.key());
    }
  }
}
