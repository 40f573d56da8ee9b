/* Verdicts, challenges and the device cookie through the real library: vigil_assess on a fed
 * decision set, a local-mode challenge end to end (challenged, passed, allowed), the device
 * cookie round trip, and every length and NULL check of the new entry points. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigil.h"

#include "checks.h"

static const char *ALICE = "u_a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
static const char *LAPTOP = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

static void key_of(const char *text, uint8_t out[16]) {
    for (int i = 0; i < 16; i++) {
        unsigned byte = 0;
        sscanf(text + 2 + 2 * i, "%2x", &byte);
        out[i] = (uint8_t)byte;
    }
}

static vigil_client *local_client(const char *toml) {
    char path[] = "/tmp/vigil-test-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, toml, strlen(toml)) != (ssize_t)strlen(toml)) {
        perror("config file");
        exit(2);
    }
    close(fd);
    char json[256];
    snprintf(json, sizeof json, "{\"config_file\": \"%s\", \"flush_interval_ms\": 20}", path);
    vigil_client *c = NULL;
    if (vigil_client_new(json, &c) != VIGIL_OK) {
        fprintf(stderr, "client: %s\n", vigil_last_error());
        exit(2);
    }
    unlink(path);
    return c;
}

static void test_assess(void) {
    vigil_client *c = local_client("");
    char feed[1024];
    snprintf(feed, sizeof feed,
             "{\"cursor\": 1, \"reset\": true, \"upserts\": ["
             "{\"id\": \"d_lock\", \"scope\": \"user\", \"value\": \"%s\", \"action\": \"block\","
             " \"reason\": \"lockout\", \"except_devices\": [\"%s\"]},"
             "{\"id\": \"c_alice\", \"scope\": \"user\", \"value\": \"%s\", \"action\": \"challenge\","
             " \"reason\": \"new_country\"},"
             "{\"id\": \"c_net\", \"scope\": \"cidr\", \"value\": \"198.51.100.0/24\", \"action\": \"challenge\","
             " \"reason\": \"hosting\"},"
             "{\"id\": \"bad\", \"scope\": \"user\", \"value\": \"%s\", \"action\": \"captcha\"}]}",
             ALICE, LAPTOP, ALICE, ALICE);
    size_t skipped = 99;
    CHECK(vigil_decisions_apply(c, feed, &skipped) == VIGIL_OK && skipped == 1);
    CHECK(vigil_decisions_apply(c, "{\"cursor\": 1}", NULL) == VIGIL_OK);
    CHECK(vigil_decisions_apply(c, "{nope", NULL) == VIGIL_ERR_INVALID_JSON);
    CHECK(vigil_decisions_apply(c, NULL, NULL) == VIGIL_ERR_NULL_ARGUMENT);
    CHECK(vigil_decisions_apply(NULL, feed, NULL) == VIGIL_ERR_NULL_ARGUMENT);

    uint8_t alice[16];
    key_of(ALICE, alice);
    int32_t verdict = -1;
    vigil_decision d[VIGIL_MAX_VERDICT_DECISIONS];
    size_t n = 99;
    CHECK(vigil_assess(c, alice, s("192.0.2.1"), s(NULL), &verdict, d, 2, &n) == VIGIL_OK);
    CHECK(verdict == VIGIL_DENY && n == 1 && strcmp(d[0].id, "d_lock") == 0);
    CHECK(d[0].action == VIGIL_ACTION_BLOCK && d[0].scope == VIGIL_SCOPE_USER);
    /* The known device passes the lockout; the challenges remain, the user's first. */
    CHECK(vigil_assess(c, alice, s("198.51.100.9"), s(LAPTOP), &verdict, d, 2, &n) == VIGIL_OK);
    CHECK(verdict == VIGIL_CHALLENGE && n == 2);
    CHECK(strcmp(d[0].reason, "new_country") == 0 && strcmp(d[1].reason, "hosting") == 0);
    CHECK(d[0].action == VIGIL_ACTION_CHALLENGE && d[1].scope == VIGIL_SCOPE_CIDR);
    memset(d, 0, sizeof d);
    CHECK(vigil_assess(c, alice, s("198.51.100.9"), s(LAPTOP), &verdict, d, 1, &n) == VIGIL_OK);
    CHECK(n == 2 && d[0].id[0] != 0 && d[1].id[0] == 0);
    CHECK(vigil_assess(c, NULL, s("198.51.100.9"), s(NULL), &verdict, NULL, 0, NULL) == VIGIL_OK);
    CHECK(verdict == VIGIL_CHALLENGE);
    CHECK(vigil_assess(c, NULL, s(NULL), s(NULL), &verdict, NULL, 0, &n) == VIGIL_OK);
    CHECK(verdict == VIGIL_ALLOW && n == 0);
    /* Ban checks see the lockout, not the challenges. */
    CHECK(vigil_check(c, alice, s(NULL), NULL) == VIGIL_BLOCKED);
    CHECK(vigil_check_ip(c, s("198.51.100.9"), NULL) == VIGIL_OK);

    CHECK(vigil_assess(NULL, alice, s(NULL), s(NULL), &verdict, NULL, 0, NULL) == VIGIL_ERR_NULL_ARGUMENT);
    CHECK(vigil_assess(c, alice, s(NULL), s(NULL), NULL, NULL, 0, NULL) == VIGIL_ERR_NULL_ARGUMENT);
    CHECK(vigil_assess(c, alice, s(NULL), s(NULL), &verdict, NULL, 1, NULL) == VIGIL_ERR_NULL_ARGUMENT);
    CHECK(vigil_assess(c, alice, s(NULL), s(NULL), &verdict, d, SIZE_MAX, NULL) == VIGIL_ERR_INVALID_ARGUMENT);
    CHECK(vigil_assess(c, alice, s("999.0.0.1"), s(NULL), &verdict, NULL, 0, NULL) == VIGIL_ERR_INVALID_IP);
    CHECK(vigil_assess(c, alice, s(NULL), s("AAAA"), &verdict, NULL, 0, NULL) == VIGIL_ERR_INVALID_ARGUMENT);
    vigil_str huge = {"x", SIZE_MAX};
    CHECK(vigil_assess(c, alice, huge, s(NULL), &verdict, NULL, 0, NULL) == VIGIL_ERR_INVALID_ARGUMENT);
    CHECK(strcmp(vigil_verdict_name(VIGIL_ALLOW), "allow") == 0);
    CHECK(strcmp(vigil_verdict_name(VIGIL_CHALLENGE), "challenge") == 0);
    CHECK(strcmp(vigil_verdict_name(VIGIL_DENY), "deny") == 0);
    CHECK(strcmp(vigil_verdict_name(7), "unknown") == 0);
    vigil_client_free(c);
}

/* Local mode: a brute force gets the user challenged; passing the challenge ends it. */
static void test_challenge_flow(void) {
    vigil_client *c = local_client(
        "[[engine.playbooks]]\n"
        "name = \"challenge-brute-forced\"\n"
        "trigger = { type = \"signal\", name = \"brute_force\" }\n"
        "actions = [{ type = \"challenge_user\", duration = \"1h\" }]\n");
    vigil_pair carol[] = {{s("username"), s("carol")}};
    for (int i = 0; i < 10; i++) {
        char ip[32];
        snprintf(ip, sizeof ip, "192.0.2.%d", i);
        vigil_request attacker = {s(ip), s("bot"), s("POST"), s("/login")};
        CHECK(vigil_track_auth(c, false, carol, 1, 1, &attacker) == VIGIL_OK);
    }
    CHECK(vigil_flush(c, 5000) == VIGIL_OK);
    uint8_t key[16];
    CHECK(vigil_user_key(c, carol, 1, key) == VIGIL_OK);
    int32_t verdict = -1;
    vigil_decision d;
    CHECK(vigil_assess(c, key, s("198.51.100.1"), s(LAPTOP), &verdict, &d, 1, NULL) == VIGIL_OK);
    CHECK(verdict == VIGIL_CHALLENGE && strcmp(d.reason, "playbook:challenge-brute-forced") == 0);

    vigil_request home = {s("198.51.100.1"), s("browser"), s("POST"), s("/mfa")};
    CHECK(vigil_challenge_track(c, VIGIL_CHALLENGE_REQUESTED, carol, 1, &home, s(LAPTOP)) == VIGIL_OK);
    CHECK(vigil_challenge_track(c, VIGIL_CHALLENGE_SUCCEEDED, carol, 1, NULL, s(LAPTOP)) == VIGIL_OK);
    CHECK(vigil_flush(c, 5000) == VIGIL_OK);
    CHECK(vigil_assess(c, key, s("198.51.100.1"), s(LAPTOP), &verdict, NULL, 0, NULL) == VIGIL_OK);
    CHECK(verdict == VIGIL_ALLOW);

    CHECK(vigil_challenge_track(c, 3, carol, 1, NULL, s(NULL)) == VIGIL_ERR_INVALID_CHALLENGE_RESULT);
    CHECK(strcmp(vigil_status_name(VIGIL_ERR_INVALID_CHALLENGE_RESULT), "invalid_challenge_result") == 0);
    CHECK(vigil_challenge_track(c, VIGIL_CHALLENGE_FAILED, NULL, 0, NULL, s(NULL)) == VIGIL_ERR_EMPTY);
    CHECK(vigil_challenge_track(c, VIGIL_CHALLENGE_FAILED, carol, 1, NULL, s("nope")) ==
          VIGIL_ERR_INVALID_ARGUMENT);
    CHECK(vigil_challenge_track(NULL, VIGIL_CHALLENGE_FAILED, carol, 1, NULL, s(NULL)) ==
          VIGIL_ERR_NULL_ARGUMENT);
    CHECK(vigil_challenge_track(c, VIGIL_CHALLENGE_FAILED, carol, SIZE_MAX, NULL, s(NULL)) ==
          VIGIL_ERR_TOO_MANY_PAIRS);
    CHECK(vigil_shutdown(c, 2000) == VIGIL_OK);
    CHECK(vigil_challenge_track(c, VIGIL_CHALLENGE_FAILED, carol, 1, NULL, s(NULL)) == VIGIL_DROPPED);
    vigil_client_free(c);
}

static void test_device_cookie(void) {
    vigil_pair options[] = {{s("device_secret"), s("0123456789abcdef0123")}};
    vigil_edge *edge = NULL;
    CHECK(vigil_edge_new(NULL, options, 1, &edge) == VIGIL_OK);
    char device[VIGIL_DEVICE_TEXT_MAX];
    char *set_cookie = NULL;
    CHECK(vigil_edge_device(edge, s("theme=dark"), device, &set_cookie) == VIGIL_OK);
    CHECK(strlen(device) == 32 && set_cookie != NULL);
    CHECK(set_cookie && strncmp(set_cookie, "vigil_device=v1.", 16) == 0 &&
          strncmp(set_cookie + 16, device, 32) == 0 &&
          strstr(set_cookie, "; Path=/; Max-Age=63072000; HttpOnly; SameSite=Lax") != NULL &&
          strstr(set_cookie, "Secure") == NULL);
    /* The browser sends it back: the same device, nothing to set. */
    char header[256], again[VIGIL_DEVICE_TEXT_MAX];
    snprintf(header, sizeof header, "a=1; %.*s; b=2", (int)strcspn(set_cookie, ";"), set_cookie);
    char *none = (char *)1;
    CHECK(vigil_edge_device(edge, s(header), again, &none) == VIGIL_OK);
    CHECK(strcmp(again, device) == 0 && none == NULL);
    /* Tampered: a flipped tag character gives a new device. */
    header[strlen(header) - 7] ^= 1;
    CHECK(vigil_edge_device(edge, s(header), again, &none) == VIGIL_OK);
    CHECK(strcmp(again, device) != 0 && none != NULL);
    vigil_string_free(none);
    vigil_string_free(set_cookie);

    CHECK(vigil_edge_device(NULL, s(NULL), device, &set_cookie) == VIGIL_ERR_NULL_ARGUMENT);
    CHECK(vigil_edge_device(edge, s(NULL), NULL, &set_cookie) == VIGIL_ERR_NULL_ARGUMENT);
    CHECK(vigil_edge_device(edge, s(NULL), device, NULL) == VIGIL_ERR_NULL_ARGUMENT);
    vigil_str huge = {"x", SIZE_MAX};
    CHECK(vigil_edge_device(edge, huge, device, &set_cookie) == VIGIL_ERR_INVALID_ARGUMENT);
    vigil_edge_free(edge);

    vigil_pair secure[] = {{s("device_cookie"), s("__Host-dev")}, {s("device_cookie_secure"), s("true")}};
    CHECK(vigil_edge_new(NULL, secure, 2, &edge) == VIGIL_OK);
    CHECK(vigil_edge_device(edge, s(NULL), device, &set_cookie) == VIGIL_OK);
    CHECK(set_cookie && strncmp(set_cookie, "__Host-dev=v1.", 14) == 0 && strstr(set_cookie, "; Secure"));
    vigil_string_free(set_cookie);
    vigil_edge_free(edge);
    CHECK(vigil_edge_new(NULL, secure, 1, &edge) == VIGIL_ERR_CONFIG);
    vigil_pair short_secret[] = {{s("device_secret"), s("short")}};
    CHECK(vigil_edge_new(NULL, short_secret, 1, &edge) == VIGIL_ERR_CONFIG);

    vigil_pair off[] = {{s("device_cookie"), s("")}};
    CHECK(vigil_edge_new(NULL, off, 1, &edge) == VIGIL_OK);
    set_cookie = (char *)1;
    CHECK(vigil_edge_device(edge, s(NULL), device, &set_cookie) == VIGIL_OK);
    CHECK(device[0] == 0 && set_cookie == NULL);
    vigil_edge_free(edge);
}

/* Absurd lengths and counts are statuses, never slices, in the older entry points too. */
static void test_lengths(void) {
    vigil_client *c = local_client("");
    vigil_str huge = {"x", SIZE_MAX};
    CHECK(vigil_check_ip(c, huge, NULL) == VIGIL_ERR_INVALID_ARGUMENT);
    vigil_pair ids[] = {{s("username"), s("zed")}};
    CHECK(vigil_track_event(c, s("x"), NULL, 0, (const vigil_property *)ids, SIZE_MAX, 0, NULL) ==
          VIGIL_ERR_TOO_MANY_PROPERTIES);
    CHECK(vigil_track_signup(c, ids, SIZE_MAX, NULL) == VIGIL_ERR_TOO_MANY_PAIRS);
    vigil_pair long_value[] = {{s("username"), huge}};
    CHECK(vigil_track_signup(c, long_value, 1, NULL) == VIGIL_ERR_INVALID_ARGUMENT);
    vigil_client *other = NULL;
    CHECK(vigil_client_new_options(ids, SIZE_MAX, &other) == VIGIL_ERR_INVALID_ARGUMENT && other == NULL);
    vigil_client_free(c);
}

int main(void) {
    test_assess();
    test_challenge_flow();
    test_device_cookie();
    test_lengths();
    printf("verdicts: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
