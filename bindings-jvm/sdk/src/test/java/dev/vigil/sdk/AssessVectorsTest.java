package dev.vigil.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.sdk.ffi.VigilKt;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every case of tests/vectors/assess.json: the feed applied, then each verdict. */
class AssessVectorsTest {

  @TestFactory
  Stream<DynamicTest> everyCase() throws Exception {
    JsonNode file = Vectors.file("assess.json");
    List<JsonNode> cases = Vectors.cases("assess.json");
    assertTrue(cases.size() >= 30);
    return cases.stream()
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.get("name").asText(),
                    () -> {
                      // A fresh local client each time: no login recorded, so no stand-in.
                      Vigil.close();
                      Vigil.start(VigilOptions.builder());
                      String feed = Vectors.JSON.writeValueAsString(file.get("feed"));
                      assertEquals(file.get("skipped").asLong(), VigilKt.testingApplyFeed(feed));
                      run(c);
                    }));
  }

  private static void run(JsonNode c) throws Exception {
    Assessment a =
        Assessment.of(
            VigilKt.testingAssessKey(
                Vectors.text(c.get("user")),
                Vectors.text(c.get("ip")),
                Vectors.text(c.get("device"))));
    JsonNode want = c.get("want");
    assertEquals(
        want.get("verdict").asText().toUpperCase(java.util.Locale.ROOT), a.verdict().name());
    List<String> ids = new ArrayList<>();
    want.get("ids").forEach(i -> ids.add(i.asText()));
    List<String> reasons = new ArrayList<>();
    want.get("reasons").forEach(i -> reasons.add(i.asText()));
    assertEquals(ids, a.decisions().stream().map(Decision::id).toList());
    assertEquals(reasons, a.decisions().stream().map(Decision::reason).toList());
    assertEquals(ids.isEmpty() ? null : ids.get(0), a.decision().map(Decision::id).orElse(null));
  }
}
