/* Runs tests/vectors/device_cookie.json and assess.json through the C ABI.
 * Usage: test_verdict_vectors <tests/vectors dir> */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil.h"

static int failures = 0, checks = 0;

#define CHECK(cond, ...)                                   \
  do {                                                     \
    checks++;                                              \
    if (!(cond)) {                                         \
      failures++;                                          \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
    }                                                      \
  } while (0)

static vigil_str s(const char *text) {
  vigil_str out = {text, text ? strlen(text) : 0};
  return out;
}

static const char *text(const cJSON *item) { return cJSON_IsString(item) ? item->valuestring : NULL; }

static cJSON *load(const char *dir, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (fread(buf, 1, (size_t)n, f) != (size_t)n) exit(2);
  buf[n] = 0;
  fclose(f);
  cJSON *doc = cJSON_Parse(buf);
  free(buf);
  if (!doc) exit(2);
  return doc;
}

/* The edge of a case: a client holding its token (when it has one), then its settings. */
static vigil_edge *edge_of(const cJSON *c, vigil_client **client) {
  const char *token = text(cJSON_GetObjectItem(c, "token"));
  *client = NULL;
  if (token) {
    vigil_pair opt = {s("token"), s(token)};
    if (vigil_client_new_options(&opt, 1, client) != VIGIL_OK) exit(2);
  }
  vigil_pair pairs[16];
  size_t n = 0;
  const cJSON *item;
  cJSON_ArrayForEach(item, cJSON_GetObjectItem(c, "settings")) {
    pairs[n].key = s(item->string);
    pairs[n].value = s(item->valuestring);
    n++;
  }
  vigil_edge *edge = NULL;
  CHECK(vigil_edge_new(*client, pairs, n, &edge) == VIGIL_OK, "%s: vigil_edge_new: %s",
        text(cJSON_GetObjectItem(c, "name")), vigil_last_error());
  return edge;
}

static void device_vectors(const char *dir) {
  cJSON *doc = load(dir, "device_cookie.json");
  const cJSON *c;
  int n = 0;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(doc, "cases")) {
    const char *name = text(cJSON_GetObjectItem(c, "name"));
    vigil_client *client;
    vigil_edge *edge = edge_of(c, &client);
    char device[VIGIL_DEVICE_TEXT_MAX];
    char *set_cookie = NULL;
    int32_t st = vigil_edge_device(edge, s(text(cJSON_GetObjectItem(c, "cookie"))), device, &set_cookie);
    CHECK(st == VIGIL_OK, "%s: status %d: %s", name, st, vigil_last_error());
    const cJSON *want = cJSON_GetObjectItem(c, "want");
    const char *want_device = text(cJSON_GetObjectItem(want, "device"));
    if (!want_device) {
      CHECK(device[0] == 0 && set_cookie == NULL, "%s: got %s, want nothing", name, device);
    } else if (strcmp(want_device, "new") == 0) {
      const cJSON *set = cJSON_GetObjectItem(want, "set_cookie");
      const char *cname = text(cJSON_GetObjectItem(set, "name"));
      const char *suffix = text(cJSON_GetObjectItem(set, "suffix"));
      size_t nl = strlen(cname), sl = strlen(suffix), len = set_cookie ? strlen(set_cookie) : 0;
      int shaped = set_cookie && len > nl + 1 + sl && strncmp(set_cookie, cname, nl) == 0 &&
                   set_cookie[nl] == '=' && strcmp(set_cookie + len - sl, suffix) == 0;
      CHECK(shaped && strlen(device) == 32, "%s: got %s / %s", name, device, set_cookie ? set_cookie : "-");
      if (shaped) {
        /* The fresh cookie reads back as the fresh device, and is not set again. */
        char header[512], back[VIGIL_DEVICE_TEXT_MAX];
        snprintf(header, sizeof header, "%.*s", (int)(len - sl), set_cookie);
        char *again = NULL;
        CHECK(vigil_edge_device(edge, s(header), back, &again) == VIGIL_OK && again == NULL &&
                  strcmp(back, device) == 0,
              "%s: %s does not read back", name, header);
        vigil_string_free(again);
      }
    } else {
      CHECK(strcmp(device, want_device) == 0 && set_cookie == NULL, "%s: got %s / %s, want %s", name,
            device, set_cookie ? set_cookie : "-", want_device);
    }
    vigil_string_free(set_cookie);
    vigil_edge_free(edge);
    vigil_client_free(client);
    n++;
  }
  CHECK(n >= 35, "only %d device cases", n);
  cJSON_Delete(doc);
}

static void key_of(const char *text, uint8_t out[16]) {
  for (int i = 0; i < 16; i++) {
    unsigned byte = 0;
    sscanf(text + 2 + 2 * i, "%2x", &byte);
    out[i] = (uint8_t)byte;
  }
}

static void assess_vectors(const char *dir) {
  cJSON *doc = load(dir, "assess.json");
  vigil_client *client = NULL;
  if (vigil_client_new("{\"flush_interval_ms\": 20}", &client) != VIGIL_OK) exit(2);
  char *feed = cJSON_PrintUnformatted(cJSON_GetObjectItem(doc, "feed"));
  size_t skipped = 0;
  CHECK(vigil_decisions_apply(client, feed, &skipped) == VIGIL_OK, "apply: %s", vigil_last_error());
  CHECK((double)skipped == cJSON_GetObjectItem(doc, "skipped")->valuedouble, "skipped %zu", skipped);
  free(feed);
  const cJSON *c;
  int n = 0;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(doc, "cases")) {
    const char *name = text(cJSON_GetObjectItem(c, "name"));
    const char *user = text(cJSON_GetObjectItem(c, "user"));
    uint8_t key[16];
    if (user) key_of(user, key);
    int32_t verdict = -1;
    vigil_decision d[VIGIL_MAX_VERDICT_DECISIONS];
    size_t got = 0;
    int32_t st = vigil_assess(client, user ? key : NULL, s(text(cJSON_GetObjectItem(c, "ip"))),
                              s(text(cJSON_GetObjectItem(c, "device"))), &verdict, d,
                              VIGIL_MAX_VERDICT_DECISIONS, &got);
    const cJSON *want = cJSON_GetObjectItem(c, "want");
    const char *want_verdict = text(cJSON_GetObjectItem(want, "verdict"));
    CHECK(st == VIGIL_OK && strcmp(vigil_verdict_name(verdict), want_verdict) == 0, "%s: got %s (%d), want %s",
          name, vigil_verdict_name(verdict), st, want_verdict);
    const cJSON *ids = cJSON_GetObjectItem(want, "ids"), *reasons = cJSON_GetObjectItem(want, "reasons");
    CHECK(got == (size_t)cJSON_GetArraySize(ids), "%s: %zu decisions", name, got);
    for (size_t i = 0; i < got && i < (size_t)cJSON_GetArraySize(ids); i++) {
      const char *id = cJSON_GetArrayItem(ids, (int)i)->valuestring;
      const char *reason = cJSON_GetArrayItem(reasons, (int)i)->valuestring;
      CHECK(strcmp(d[i].id, id) == 0 && strcmp(d[i].reason, reason) == 0, "%s: decision %zu is %s (%s), want %s",
            name, i, d[i].id, d[i].reason, id);
    }
    n++;
  }
  CHECK(n >= 30, "only %d assess cases", n);
  vigil_client_free(client);
  cJSON_Delete(doc);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s <tests/vectors dir>\n", argv[0]);
    return 2;
  }
  device_vectors(argv[1]);
  assess_vectors(argv[1]);
  printf("verdict vectors: %d passed, %d failed\n", checks - failures, failures);
  return failures ? 1 : 0;
}
