/* The `_device` variants of the tracking and ban-check calls (vigil_track_signup_device,
 * vigil_track_auth_device, vigil_track_event_device, vigil_alias_device,
 * vigil_identify_device, vigil_check_device) through the real library:
 *  - a lockout that exempts a device applies on every other device, and to the old calls
 *    (which carry none); an IP block never exempts a device;
 *  - local mode end to end: the engine learns the owner's laptop from a login tracked with
 *    vigil_track_auth_device, a brute force locks the account, and the laptop still gets in,
 *    while a user whose logins were tracked without a device stays locked out everywhere;
 *  - every length, NULL and spelling check of the device argument, and the old calls unchanged. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vigil.h"

#include "checks.h"

static const char *LAPTOP = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char *ROGUE = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

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

/* A fed lockout of alice that exempts her laptop, and an IP block. */
static void test_exemption_from_feed(void) {
    vigil_client *c = local_client("");
    vigil_pair alice[] = {{s("username"), s("alice")}};
    uint8_t key[16];
    STATUS(vigil_user_key(c, alice, 1, key), VIGIL_OK);
    char text[40];
    snprintf(text, sizeof text, "u_");
    for (int i = 0; i < 16; i++) snprintf(text + 2 + 2 * i, 3, "%02x", key[i]);
    char feed[1024];
    snprintf(feed, sizeof feed,
             "{\"cursor\": 1, \"reset\": true, \"upserts\": ["
             "{\"id\": \"d_lock\", \"scope\": \"user\", \"value\": \"%s\", \"action\": \"block\","
             " \"reason\": \"lockout\", \"except_devices\": [\"%s\"]},"
             "{\"id\": \"d_ip\", \"scope\": \"ip\", \"value\": \"203.0.113.5\", \"action\": \"block\","
             " \"reason\": \"stuffing\"}]}",
             text, LAPTOP);
    STATUS(vigil_decisions_apply(c, feed, NULL), VIGIL_OK);

    vigil_request home = {s("192.0.2.1"), s("browser"), s("GET"), s("/account")};
    vigil_decision d;
    memset(&d, 0, sizeof d);
    STATUS(vigil_identify_device(c, alice, 1, &home, s(LAPTOP), &d), VIGIL_OK);
    CHECK(d.id[0] == 0);
    STATUS(vigil_identify_device(c, alice, 1, &home, s(ROGUE), &d), VIGIL_BLOCKED);
    CHECK(strcmp(d.id, "d_lock") == 0 && d.scope == VIGIL_SCOPE_USER);
    STATUS(vigil_identify_device(c, alice, 1, &home, s(NULL), NULL), VIGIL_BLOCKED);
    /* The device alone, no request: still exempt. */
    STATUS(vigil_identify_device(c, alice, 1, NULL, s(LAPTOP), NULL), VIGIL_OK);
    /* The old call carries no device: the lockout applies. */
    STATUS(vigil_identify(c, alice, 1, &home, NULL), VIGIL_BLOCKED);

    STATUS(vigil_check_device(c, key, s("192.0.2.1"), s(LAPTOP), NULL), VIGIL_OK);
    STATUS(vigil_check_device(c, key, s("192.0.2.1"), s(ROGUE), &d), VIGIL_BLOCKED);
    CHECK(strcmp(d.id, "d_lock") == 0);
    STATUS(vigil_check_device(c, key, s(NULL), s(NULL), NULL), VIGIL_BLOCKED);
    STATUS(vigil_check(c, key, s("192.0.2.1"), NULL), VIGIL_BLOCKED);
    /* An IP block never exempts a device. */
    STATUS(vigil_check_device(c, key, s("203.0.113.5"), s(LAPTOP), &d), VIGIL_BLOCKED);
    CHECK(strcmp(d.id, "d_ip") == 0 && d.scope == VIGIL_SCOPE_IP);
    vigil_request stuffing = {s("203.0.113.5"), s("bot"), s("POST"), s("/login")};
    STATUS(vigil_identify_device(c, alice, 1, &stuffing, s(LAPTOP), &d), VIGIL_BLOCKED);
    CHECK(strcmp(d.id, "d_ip") == 0);
    vigil_pair bob[] = {{s("username"), s("bob")}};
    STATUS(vigil_identify_device(c, bob, 1, &home, s(ROGUE), NULL), VIGIL_OK);
    STATUS(vigil_check_device(c, NULL, s("192.0.2.1"), s(ROGUE), NULL), VIGIL_OK);
    vigil_client_free(c);
}

/* Local mode: the engine learns devices from the events the _device calls record. */
static void test_engine_learns_devices(void) {
    vigil_client *c = local_client(
        "[engine.brute_force]\n"
        "failures = 5\n"
        "[[engine.playbooks]]\n"
        "name = \"lock-attacked-accounts\"\n"
        "trigger = { type = \"signal\", names = [\"brute_force\"] }\n"
        "actions = [{ type = \"block_user\", duration = \"15m\" }]\n");
    vigil_pair carol[] = {{s("username"), s("carol")}};
    vigil_pair dave[] = {{s("username"), s("dave")}};
    vigil_request home = {s("198.51.100.7"), s("browser"), s("POST"), s("/login")};
    STATUS(vigil_track_signup_device(c, carol, 1, &home, s(LAPTOP)), VIGIL_OK);
    STATUS(vigil_track_auth_device(c, true, carol, 1, -1, &home, s(LAPTOP)), VIGIL_OK);
    /* Dave logs in from the same kind of laptop, but through the call without a device. */
    STATUS(vigil_track_auth(c, true, dave, 1, -1, &home), VIGIL_OK);
    STATUS(vigil_flush(c, 5000), VIGIL_OK);
    for (int i = 0; i < 6; i++) {
        char ip[32];
        snprintf(ip, sizeof ip, "192.0.2.%d", 10 + i);
        vigil_request attacker = {s(ip), s("bot"), s("POST"), s("/login")};
        STATUS(vigil_track_auth_device(c, false, carol, 1, 1, &attacker, s(ROGUE)), VIGIL_OK);
        STATUS(vigil_track_auth_device(c, false, dave, 1, 1, &attacker, s(ROGUE)), VIGIL_OK);
    }
    STATUS(vigil_flush(c, 5000), VIGIL_OK);
    vigil_request cafe = {s("198.51.100.99"), s("browser"), s("GET"), s("/account")};
    vigil_decision d;
    memset(&d, 0, sizeof d);
    int locked = 0;
    for (int i = 0; i < 100 && !locked; i++) {
        locked = vigil_identify_device(c, carol, 1, &cafe, s(ROGUE), &d) == VIGIL_BLOCKED;
        if (!locked) {
            struct timespec pause = {0, 20 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
    }
    CHECK(locked && strcmp(d.reason, "playbook:lock-attacked-accounts") == 0);
    /* The owner's laptop, learned from vigil_track_auth_device, is spared. */
    STATUS(vigil_identify_device(c, carol, 1, &cafe, s(LAPTOP), NULL), VIGIL_OK);
    STATUS(vigil_identify(c, carol, 1, &cafe, NULL), VIGIL_BLOCKED);
    uint8_t key[16];
    STATUS(vigil_user_key(c, carol, 1, key), VIGIL_OK);
    STATUS(vigil_check_device(c, key, s("198.51.100.99"), s(LAPTOP), NULL), VIGIL_OK);
    STATUS(vigil_check_device(c, key, s("198.51.100.99"), s(NULL), NULL), VIGIL_BLOCKED);
    /* Dave's engine never saw his laptop: locked out on it too. */
    STATUS(vigil_identify_device(c, dave, 1, &cafe, s(ROGUE), NULL), VIGIL_BLOCKED);
    STATUS(vigil_identify_device(c, dave, 1, &cafe, s(LAPTOP), NULL), VIGIL_BLOCKED);

    vigil_property plan = {s("plan"), VIGIL_PROPERTY_STRING, s("pro"), 0, false};
    STATUS(vigil_track_event_device(c, s("plan.changed"), carol, 1, &plan, 1, 0, &cafe, s(LAPTOP)), VIGIL_OK);
    STATUS(vigil_track_event_device(c, s("page.view"), NULL, 0, NULL, 0, 0, NULL, s(LAPTOP)), VIGIL_OK);
    vigil_pair carol2[] = {{s("username"), s("carol.b")}};
    STATUS(vigil_alias_device(c, carol, 1, carol2, 1, &cafe, s(LAPTOP)), VIGIL_OK);
    STATUS(vigil_flush(c, 5000), VIGIL_OK);
    vigil_client_free(c);
}

/* Every bad argument is a status, never a crash; absent devices behave like the old calls. */
static void test_arguments(void) {
    vigil_client *c = local_client("");
    vigil_pair ids[] = {{s("username"), s("erin")}};
    vigil_request req = {s("192.0.2.9"), s("ua"), s("POST"), s("/login")};
    vigil_str huge = {"x", SIZE_MAX};
    vigil_str null_long = {NULL, 32};
    vigil_str bad_utf8 = {"\xff\xfe", 2};
    const char *spellings[] = {"nope", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa",
                               " aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    uint8_t key[16];
    STATUS(vigil_user_key(c, ids, 1, key), VIGIL_OK);
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        vigil_str dev = s(spellings[i]);
        STATUS(vigil_track_signup_device(c, ids, 1, &req, dev), VIGIL_ERR_INVALID_ARGUMENT);
        STATUS(vigil_track_auth_device(c, false, ids, 1, -1, &req, dev), VIGIL_ERR_INVALID_ARGUMENT);
        STATUS(vigil_track_event_device(c, s("x"), ids, 1, NULL, 0, 0, &req, dev), VIGIL_ERR_INVALID_ARGUMENT);
        STATUS(vigil_alias_device(c, ids, 1, ids, 1, &req, dev), VIGIL_ERR_INVALID_ARGUMENT);
        STATUS(vigil_identify_device(c, ids, 1, &req, dev, NULL), VIGIL_ERR_INVALID_ARGUMENT);
        STATUS(vigil_check_device(c, key, s(NULL), dev, NULL), VIGIL_ERR_INVALID_ARGUMENT);
    }
    CHECK(strstr(vigil_last_error(), "32 lower-case hex digits") != NULL);
    vigil_str bad[] = {huge, null_long, bad_utf8};
    int32_t want[] = {VIGIL_ERR_INVALID_ARGUMENT, VIGIL_ERR_NULL_ARGUMENT, VIGIL_ERR_INVALID_UTF8};
    for (size_t i = 0; i < 3; i++) {
        STATUS(vigil_track_signup_device(c, ids, 1, NULL, bad[i]), want[i]);
        STATUS(vigil_track_auth_device(c, true, ids, 1, -1, NULL, bad[i]), want[i]);
        STATUS(vigil_track_event_device(c, s("x"), NULL, 0, NULL, 0, 0, NULL, bad[i]), want[i]);
        STATUS(vigil_alias_device(c, ids, 1, ids, 1, NULL, bad[i]), want[i]);
        STATUS(vigil_identify_device(c, ids, 1, NULL, bad[i], NULL), want[i]);
        STATUS(vigil_check_device(c, NULL, s(NULL), bad[i], NULL), want[i]);
    }
    /* The other arguments keep their checks. */
    STATUS(vigil_track_signup_device(NULL, ids, 1, &req, s(LAPTOP)), VIGIL_ERR_NULL_ARGUMENT);
    STATUS(vigil_track_signup_device(c, ids, SIZE_MAX, &req, s(LAPTOP)), VIGIL_ERR_TOO_MANY_PAIRS);
    STATUS(vigil_track_signup_device(c, NULL, 1, &req, s(LAPTOP)), VIGIL_ERR_NULL_ARGUMENT);
    STATUS(vigil_track_auth_device(c, false, ids, 1, 2, &req, s(LAPTOP)), VIGIL_ERR_INVALID_ARGUMENT);
    STATUS(vigil_track_auth_device(NULL, false, ids, 1, -1, &req, s(LAPTOP)), VIGIL_ERR_NULL_ARGUMENT);
    STATUS(vigil_track_event_device(c, s(NULL), ids, 1, NULL, 0, 0, &req, s(LAPTOP)), VIGIL_ERR_NULL_ARGUMENT);
    STATUS(vigil_track_event_device(c, s("vigil.x"), ids, 1, NULL, 0, 0, &req, s(LAPTOP)),
           VIGIL_ERR_RESERVED_EVENT_NAME);
    STATUS(vigil_track_event_device(c, s("x"), NULL, 0, (const vigil_property *)ids, SIZE_MAX, 0, NULL, s(LAPTOP)),
           VIGIL_ERR_TOO_MANY_PROPERTIES);
    STATUS(vigil_alias_device(c, ids, SIZE_MAX, ids, 1, NULL, s(LAPTOP)), VIGIL_ERR_TOO_MANY_PAIRS);
    STATUS(vigil_identify_device(c, ids, SIZE_MAX, NULL, s(LAPTOP), NULL), VIGIL_ERR_TOO_MANY_PAIRS);
    STATUS(vigil_identify_device(NULL, ids, 1, NULL, s(LAPTOP), NULL), VIGIL_ERR_NULL_ARGUMENT);
    vigil_request bad_ip = {s("999.1.1.1"), s(NULL), s(NULL), s(NULL)};
    STATUS(vigil_identify_device(c, ids, 1, &bad_ip, s(LAPTOP), NULL), VIGIL_ERR_INVALID_IP);
    vigil_request huge_path = {s(NULL), s(NULL), s(NULL), huge};
    STATUS(vigil_track_auth_device(c, true, ids, 1, -1, &huge_path, s(LAPTOP)), VIGIL_ERR_INVALID_ARGUMENT);
    STATUS(vigil_check_device(NULL, key, s(NULL), s(LAPTOP), NULL), VIGIL_ERR_NULL_ARGUMENT);
    STATUS(vigil_check_device(c, key, huge, s(LAPTOP), NULL), VIGIL_ERR_INVALID_ARGUMENT);
    STATUS(vigil_check_device(c, key, s("nope"), s(LAPTOP), NULL), VIGIL_ERR_INVALID_IP);

    /* Absent or empty devices: the same as the old calls. */
    vigil_str empty = {"", 0};
    STATUS(vigil_track_signup_device(c, ids, 1, &req, s(NULL)), VIGIL_OK);
    STATUS(vigil_track_auth_device(c, true, ids, 1, -1, NULL, empty), VIGIL_OK);
    STATUS(vigil_track_event_device(c, s("x"), NULL, 0, NULL, 0, 0, NULL, s(NULL)), VIGIL_OK);
    STATUS(vigil_identify_device(c, ids, 1, &req, empty, NULL), VIGIL_OK);
    STATUS(vigil_check_device(c, key, s(NULL), s(NULL), NULL), VIGIL_OK);
    STATUS(vigil_check_device(c, NULL, s(NULL), empty, NULL), VIGIL_OK);
    STATUS(vigil_track_signup(c, ids, 1, &req), VIGIL_OK);
    STATUS(vigil_track_auth(c, false, ids, 1, 0, &req), VIGIL_OK);
    STATUS(vigil_alias(c, ids, 1, ids, 1, &req), VIGIL_OK);

    /* A shut-down client drops, as the old calls do. */
    STATUS(vigil_shutdown(c, 2000), VIGIL_OK);
    STATUS(vigil_track_signup_device(c, ids, 1, &req, s(LAPTOP)), VIGIL_DROPPED);
    STATUS(vigil_track_auth_device(c, true, ids, 1, -1, &req, s(LAPTOP)), VIGIL_DROPPED);
    STATUS(vigil_track_event_device(c, s("x"), ids, 1, NULL, 0, 0, &req, s(LAPTOP)), VIGIL_DROPPED);
    STATUS(vigil_alias_device(c, ids, 1, ids, 1, &req, s(LAPTOP)), VIGIL_DROPPED);
    STATUS(vigil_track_signup(c, ids, 1, &req), VIGIL_DROPPED);
    vigil_client_free(c);
}

int main(void) {
    test_exemption_from_feed();
    test_engine_learns_devices();
    test_arguments();
    printf("device calls: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
