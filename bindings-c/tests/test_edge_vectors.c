/* Runs tests/vectors/client_ip.json and block_response.json through the C ABI, and checks the
 * edge entry points' error paths. Usage: test_edge_vectors <tests/vectors dir> */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vigil.h"

static int failures = 0, checks = 0;

#define CHECK(cond, ...)                                  \
  do {                                                    \
    checks++;                                             \
    if (!(cond)) {                                        \
      failures++;                                         \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                       \
      fprintf(stderr, "\n");                              \
    }                                                     \
  } while (0)

static vigil_str s(const char *text) {
  vigil_str out = {text, text ? strlen(text) : 0};
  return out;
}

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
  char *text = malloc((size_t)n + 1);
  if (fread(text, 1, (size_t)n, f) != (size_t)n) exit(2);
  text[n] = 0;
  fclose(f);
  cJSON *doc = cJSON_Parse(text);
  free(text);
  if (!doc) exit(2);
  return cJSON_GetObjectItem(doc, "cases");
}

/* The edge of a case's settings, over the defaults. */
static vigil_edge *edge_of(const cJSON *c) {
  const cJSON *settings = cJSON_GetObjectItem(c, "settings");
  vigil_pair pairs[16];
  size_t n = 0;
  const cJSON *item;
  cJSON_ArrayForEach(item, settings) {
    pairs[n].key = s(item->string);
    pairs[n].value = s(item->valuestring);
    n++;
  }
  vigil_edge *edge = NULL;
  int32_t st = vigil_edge_new(NULL, pairs, n, &edge);
  CHECK(st == VIGIL_OK, "%s: vigil_edge_new: %s", cJSON_GetObjectItem(c, "name")->valuestring,
        vigil_last_error());
  return edge;
}

static void client_ip_vectors(const char *dir) {
  const cJSON *c;
  int n = 0;
  cJSON_ArrayForEach(c, load(dir, "client_ip.json")) {
    const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
    vigil_edge *edge = edge_of(c);
    const char *header = vigil_edge_client_ip_header(edge);
    vigil_str lines[64];
    size_t n_lines = 0;
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItem(c, "headers")) {
      if (strcasecmp(cJSON_GetArrayItem(h, 0)->valuestring, header) == 0)
        lines[n_lines++] = s(cJSON_GetArrayItem(h, 1)->valuestring);
    }
    const cJSON *peer = cJSON_GetObjectItem(c, "peer");
    char out[VIGIL_IP_TEXT_MAX];
    int32_t st = vigil_client_ip(edge, s(cJSON_IsString(peer) ? peer->valuestring : NULL), lines,
                                 n_lines, out, sizeof out);
    const cJSON *want = cJSON_GetObjectItem(c, "want");
    if (cJSON_IsNull(want)) {
      CHECK(st == VIGIL_NO_CLIENT_IP, "%s: status %d, want no client ip", name, st);
    } else {
      CHECK(st == VIGIL_OK && strcmp(out, want->valuestring) == 0, "%s: got %s (%d), want %s",
            name, st == VIGIL_OK ? out : "-", st, want->valuestring);
    }
    vigil_edge_free(edge);
    n++;
  }
  CHECK(n >= 60, "only %d client IP cases", n);
}

static void block_vectors(const char *dir) {
  const cJSON *c;
  int n = 0;
  cJSON_ArrayForEach(c, load(dir, "block_response.json")) {
    const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
    vigil_edge *edge = edge_of(c);
    const cJSON *d = cJSON_GetObjectItem(c, "decision");
    vigil_decision dec;
    memset(&dec, 0, sizeof dec);
    const cJSON *url = cJSON_GetObjectItem(d, "redirect_url");
    dec.action = cJSON_IsString(url) ? VIGIL_ACTION_REDIRECT : VIGIL_ACTION_BLOCK;
    dec.scope = VIGIL_SCOPE_USER;
    snprintf(dec.id, sizeof dec.id, "%s", cJSON_GetObjectItem(d, "id")->valuestring);
    snprintf(dec.reason, sizeof dec.reason, "%s", cJSON_GetObjectItem(d, "reason")->valuestring);
    if (cJSON_IsString(url)) snprintf(dec.redirect_url, sizeof dec.redirect_url, "%s", url->valuestring);
    const cJSON *accept = cJSON_GetObjectItem(c, "accept");
    vigil_response r;
    int32_t st = vigil_block_response(edge, &dec, s(cJSON_IsString(accept) ? accept->valuestring : NULL), &r);
    CHECK(st == VIGIL_OK, "%s: vigil_block_response: %s", name, vigil_last_error());
    const cJSON *want = cJSON_GetObjectItem(c, "want");
    CHECK(r.status == cJSON_GetObjectItem(want, "status")->valueint, "%s: status %d", name, r.status);
    const cJSON *headers = cJSON_GetObjectItem(want, "headers");
    CHECK(r.n_headers == (size_t)cJSON_GetArraySize(headers), "%s: %zu headers", name, r.n_headers);
    for (size_t i = 0; i < r.n_headers && i < (size_t)cJSON_GetArraySize(headers); i++) {
      const cJSON *h = cJSON_GetArrayItem(headers, (int)i);
      const char *k = cJSON_GetArrayItem(h, 0)->valuestring, *v = cJSON_GetArrayItem(h, 1)->valuestring;
      CHECK(r.headers[i].key.len == strlen(k) && memcmp(r.headers[i].key.ptr, k, strlen(k)) == 0 &&
                r.headers[i].value.len == strlen(v) && memcmp(r.headers[i].value.ptr, v, strlen(v)) == 0,
            "%s: header %zu is %.*s: %.*s, want %s: %s", name, i, (int)r.headers[i].key.len,
            r.headers[i].key.ptr, (int)r.headers[i].value.len, r.headers[i].value.ptr, k, v);
    }
    const char *body = cJSON_GetObjectItem(want, "body")->valuestring;
    CHECK(r.body_len == strlen(body) && (r.body_len == 0 || memcmp(r.body, body, r.body_len) == 0),
          "%s: body %.*s", name, (int)r.body_len, (const char *)r.body);
    vigil_response_free(&r);
    CHECK(r.body == NULL && r._owner == NULL, "%s: response not cleared", name);
    vigil_edge_free(edge);
    n++;
  }
  CHECK(n >= 25, "only %d block cases", n);
}

static void errors(void) {
  vigil_edge *edge = NULL;
  vigil_pair bad = {s("trusted_proxies"), s("10.0.0.0/33")};
  CHECK(vigil_edge_new(NULL, &bad, 1, &edge) == VIGIL_ERR_CONFIG && edge == NULL, "bad network");
  CHECK(strstr(vigil_last_error(), "trusted_proxies") != NULL, "message names the option: %s",
        vigil_last_error());
  vigil_pair unknown = {s("url"), s("http://127.0.0.1:1")};
  CHECK(vigil_edge_new(NULL, &unknown, 1, &edge) == VIGIL_ERR_CONFIG, "not an edge option");
  CHECK(vigil_edge_new(NULL, NULL, 0, NULL) == VIGIL_ERR_NULL_ARGUMENT, "NULL out");
  CHECK(vigil_edge_new(NULL, NULL, 0, &edge) == VIGIL_OK, "defaults");
  CHECK(strcmp(vigil_edge_client_ip_header(edge), "x-forwarded-for") == 0, "default header");
  CHECK(vigil_edge_client_ip_header(NULL) == NULL, "NULL edge header");
  char out[VIGIL_IP_TEXT_MAX];
  CHECK(vigil_client_ip(NULL, s("1.2.3.4"), NULL, 0, out, sizeof out) == VIGIL_ERR_NULL_ARGUMENT, "NULL edge");
  CHECK(vigil_client_ip(edge, s("1.2.3.4"), NULL, 0, out, 8) == VIGIL_ERR_INVALID_ARGUMENT, "small cap");
  CHECK(vigil_client_ip(edge, s("1.2.3.4"), NULL, 1, out, sizeof out) == VIGIL_ERR_NULL_ARGUMENT, "NULL lines");
  CHECK(vigil_client_ip(edge, s("1.2.3.4"), NULL, (size_t)-1, out, sizeof out) == VIGIL_ERR_INVALID_ARGUMENT,
        "SIZE_MAX lines");
  char invalid[] = {'\xff', 0};
  vigil_str line = s(invalid);
  CHECK(vigil_client_ip(edge, s("127.0.0.1"), &line, 1, out, sizeof out) == VIGIL_ERR_INVALID_UTF8, "bad UTF-8");
  CHECK(vigil_client_ip(edge, s("127.0.0.1:9"), NULL, 0, out, sizeof out) == VIGIL_OK &&
            strcmp(out, "127.0.0.1") == 0,
        "peer only");
  vigil_response r;
  CHECK(vigil_block_response(edge, NULL, s(NULL), &r) == VIGIL_ERR_NULL_ARGUMENT, "NULL decision");
  vigil_response_free(NULL);
  vigil_edge_free(edge);
  vigil_edge_free(NULL);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s <tests/vectors dir>\n", argv[0]);
    return 2;
  }
  client_ip_vectors(argv[1]);
  block_vectors(argv[1]);
  errors();
  printf("edge: %d passed, %d failed\n", checks - failures, failures);
  return failures ? 1 : 0;
}
