/* Calls every function of vigil.h, and every error path, through the real library.
 * Local mode (no server): a credential-stuffing run gets its IP blocked by the in-process
 * engine, which exercises the blocked path end to end. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vigil.h"

#include "checks.h"

static vigil_pair pair(const char *k, const char *v) {
    vigil_pair p = {s(k), s(v)};
    return p;
}

static void test_version_and_names(void) {
    CHECK(strcmp(vigil_version(), "") != 0);
    CHECK(strcmp(vigil_status_name(VIGIL_OK), "ok") == 0);
    CHECK(strcmp(vigil_status_name(VIGIL_BLOCKED), "blocked") == 0);
    CHECK(strcmp(vigil_status_name(VIGIL_ERR_DUPLICATE_KEY), "duplicate_key") == 0);
    CHECK(strcmp(vigil_status_name(12345), "unknown") == 0);
    int32_t codes[] = {VIGIL_DROPPED, VIGIL_ERR_NULL_ARGUMENT, VIGIL_ERR_INVALID_UTF8, VIGIL_ERR_EMPTY,
                       VIGIL_ERR_TOO_MANY_PAIRS, VIGIL_ERR_KEY_TOO_LONG, VIGIL_ERR_VALUE_TOO_LONG,
                       VIGIL_ERR_EMPTY_KEY, VIGIL_ERR_EMPTY_VALUE, VIGIL_ERR_CONTROL_CHARACTER,
                       VIGIL_ERR_EVENT_NAME_LENGTH, VIGIL_ERR_RESERVED_EVENT_NAME,
                       VIGIL_ERR_TOO_MANY_PROPERTIES, VIGIL_ERR_INVALID_PROPERTY,
                       VIGIL_ERR_INVALID_TIMESTAMP, VIGIL_ERR_INVALID_IP, VIGIL_ERR_CONFIG,
                       VIGIL_ERR_SHUT_DOWN, VIGIL_ERR_TIMEOUT, VIGIL_ERR_INVALID_JSON,
                       VIGIL_ERR_INVALID_ARGUMENT, VIGIL_ERR_INTERNAL};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        CHECK(strcmp(vigil_status_name(codes[i]), "unknown") != 0);
    }
}

static void test_normalize_json(void) {
    char *out = NULL;
    STATUS(vigil_normalize_json("{\"Email\": \" Alice@Example.com \"}", &out), VIGIL_OK);
    CHECK(out && strstr(out, "\"key\":\"u_355281dfacb5bb2d4aedce5600e213b2\""));
    CHECK(out && strstr(out, "\"primary\":\"email\""));
    CHECK(out && strstr(out, "\"email\":\"alice@example.com\""));
    vigil_string_free(out);
    vigil_string_free(NULL);

    out = NULL;
    STATUS(vigil_normalize_json(NULL, &out), VIGIL_ERR_NULL_ARGUMENT);
    STATUS(vigil_normalize_json("{}", NULL), VIGIL_ERR_EMPTY);
    STATUS(vigil_normalize_json("{\"a\":\"b\"}", NULL), VIGIL_ERR_NULL_ARGUMENT);
    STATUS(vigil_normalize_json("{nope", &out), VIGIL_ERR_INVALID_JSON);
    CHECK(strlen(vigil_last_error()) > 0);
    STATUS(vigil_normalize_json("[\"a\"]", &out), VIGIL_ERR_INVALID_JSON);
    STATUS(vigil_normalize_json("{\"uid\": 42}", &out), VIGIL_ERR_INVALID_JSON);
    STATUS(vigil_normalize_json("{\"uid\": \"\xff\"}", &out), VIGIL_ERR_INVALID_UTF8);
    STATUS(vigil_normalize_json("{\"Email\": \"a@b\", \"email\": \"c@d\"}", &out), VIGIL_ERR_DUPLICATE_KEY);
    CHECK(strstr(vigil_last_error(), "Email") != NULL);
    STATUS(vigil_normalize_json("{\"uid\": \"a\\tb\"}", &out), VIGIL_ERR_CONTROL_CHARACTER);
    CHECK(out == NULL);
}

static void test_client_creation(void) {
    vigil_client *c = NULL;
    STATUS(vigil_client_new("{\"flush_interval_ms\": 20}", NULL), VIGIL_ERR_NULL_ARGUMENT);
    STATUS(vigil_client_new("{oops", &c), VIGIL_ERR_INVALID_JSON);
    STATUS(vigil_client_new("[]", &c), VIGIL_ERR_INVALID_JSON);
    STATUS(vigil_client_new("{\"flush_interval_ms\": [1]}", &c), VIGIL_ERR_INVALID_JSON);
    STATUS(vigil_client_new("{\"no_such_option\": 1}", &c), VIGIL_ERR_CONFIG);
    STATUS(vigil_client_new("{\"url\": \"http://127.0.0.1:9\"}", &c), VIGIL_ERR_CONFIG);
    STATUS(vigil_client_new("{\"pii\": \"hash\"}", &c), VIGIL_ERR_CONFIG);
    CHECK(c == NULL);

    vigil_pair options[] = {pair("flush_interval_ms", "20"), pair("gzip", "false")};
    STATUS(vigil_client_new_options(options, 2, &c), VIGIL_OK);
    CHECK(c != NULL);
    STATUS(vigil_client_new_options(NULL, 1, &c), VIGIL_ERR_NULL_ARGUMENT);
    vigil_pair bad[] = {pair("batch_max_events", "0")};
    vigil_client *other = NULL;
    STATUS(vigil_client_new_options(bad, 1, &other), VIGIL_ERR_CONFIG);
    vigil_client_free(c);
    vigil_client_free(NULL);

    STATUS(vigil_client_new(NULL, &c), VIGIL_OK);
    vigil_client_free(c);
}

static void test_identifier_errors(vigil_client *c) {
    vigil_pair ok[] = {pair("username", "alice")};
    STATUS(vigil_track_signup(NULL, ok, 1, NULL), VIGIL_ERR_NULL_ARGUMENT);
    STATUS(vigil_track_signup(c, NULL, 1, NULL), VIGIL_ERR_NULL_ARGUMENT);
    STATUS(vigil_track_signup(c, ok, 0, NULL), VIGIL_ERR_EMPTY);

    vigil_pair many[17];
    char keys[17][8];
    for (int i = 0; i < 17; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        many[i] = pair(keys[i], "v");
    }
    STATUS(vigil_track_signup(c, many, 17, NULL), VIGIL_ERR_TOO_MANY_PAIRS);
    STATUS(vigil_track_signup(c, many, 16, NULL), VIGIL_OK);

    char long_key[66];
    memset(long_key, 'k', 65);
    long_key[65] = 0;
    vigil_pair key_too_long[] = {pair(long_key, "v")};
    STATUS(vigil_track_signup(c, key_too_long, 1, NULL), VIGIL_ERR_KEY_TOO_LONG);

    static char long_value[1026];
    memset(long_value, 'v', 1025);
    long_value[1025] = 0;
    vigil_pair value_too_long[] = {pair("uid", long_value)};
    STATUS(vigil_track_signup(c, value_too_long, 1, NULL), VIGIL_ERR_VALUE_TOO_LONG);

    vigil_pair empty_key[] = {pair("   ", "v")};
    STATUS(vigil_track_signup(c, empty_key, 1, NULL), VIGIL_ERR_EMPTY_KEY);
    vigil_pair empty_value[] = {pair("uid", " ")};
    STATUS(vigil_track_signup(c, empty_value, 1, NULL), VIGIL_ERR_EMPTY_VALUE);
    vigil_pair absent_value[] = {{s("uid"), {NULL, 0}}};
    STATUS(vigil_track_signup(c, absent_value, 1, NULL), VIGIL_ERR_EMPTY_VALUE);
    vigil_pair null_with_len[] = {{s("uid"), {NULL, 3}}};
    STATUS(vigil_track_signup(c, null_with_len, 1, NULL), VIGIL_ERR_NULL_ARGUMENT);
    vigil_pair control[] = {pair("uid", "a\nb")};
    STATUS(vigil_track_signup(c, control, 1, NULL), VIGIL_ERR_CONTROL_CHARACTER);
    vigil_pair dup[] = {pair("Email", "a@b.c"), pair("email ", "d@e.f")};
    STATUS(vigil_track_signup(c, dup, 2, NULL), VIGIL_ERR_DUPLICATE_KEY);
    vigil_pair utf8[] = {{s("uid"), {"\xc3\x28", 2}}};
    STATUS(vigil_track_signup(c, utf8, 1, NULL), VIGIL_ERR_INVALID_UTF8);
    /* An embedded NUL is a control character, not the end of the string. */
    vigil_pair nul[] = {{s("uid"), {"a\0b", 3}}};
    STATUS(vigil_track_signup(c, nul, 1, NULL), VIGIL_ERR_CONTROL_CHARACTER);
}

static void test_tracking(vigil_client *c) {
    vigil_pair alice[] = {pair("email", "Alice@Example.com"), pair("platform_id", "7")};
    vigil_request req = {s("192.0.2.10"), s("curl/8"), s("POST"), s("/login")};
    vigil_request bad_ip = {s("not-an-ip"), {NULL, 0}, {NULL, 0}, {NULL, 0}};

    STATUS(vigil_track_signup(c, alice, 2, &req), VIGIL_OK);
    STATUS(vigil_track_auth(c, true, alice, 2, -1, &req), VIGIL_OK);
    STATUS(vigil_track_auth(c, false, alice, 2, 1, NULL), VIGIL_OK);
    STATUS(vigil_track_auth(c, false, alice, 2, 0, NULL), VIGIL_OK);
    STATUS(vigil_track_auth(c, false, alice, 2, 5, NULL), VIGIL_ERR_INVALID_ARGUMENT);
    STATUS(vigil_track_auth(c, true, alice, 2, -1, &bad_ip), VIGIL_ERR_INVALID_IP);
    STATUS(vigil_track_auth(NULL, true, alice, 2, -1, NULL), VIGIL_ERR_NULL_ARGUMENT);

    vigil_property props[] = {
        {s("plan"), VIGIL_PROPERTY_STRING, s("pro"), 0, false},
        {s("amount"), VIGIL_PROPERTY_NUMBER, {NULL, 0}, 12.5, false},
        {s("first"), VIGIL_PROPERTY_BOOL, {NULL, 0}, 0, true},
    };
    STATUS(vigil_track_event(c, s("order.paid"), alice, 2, props, 3, 0, &req), VIGIL_OK);
    STATUS(vigil_track_event(c, s("page.view"), NULL, 0, NULL, 0, 1700000000000LL, NULL), VIGIL_OK);
    STATUS(vigil_track_event(c, s(NULL), NULL, 0, NULL, 0, 0, NULL), VIGIL_ERR_NULL_ARGUMENT);
    STATUS(vigil_track_event(c, s(""), NULL, 0, NULL, 0, 0, NULL), VIGIL_ERR_EVENT_NAME_LENGTH);
    STATUS(vigil_track_event(c, s("vigil.login"), NULL, 0, NULL, 0, 0, NULL), VIGIL_ERR_RESERVED_EVENT_NAME);
    STATUS(vigil_track_event(c, s("x"), NULL, 0, NULL, 0, 5, NULL), VIGIL_ERR_INVALID_TIMESTAMP);
    STATUS(vigil_track_event(c, s("x"), NULL, 0, NULL, 2, 0, NULL), VIGIL_ERR_NULL_ARGUMENT);
    vigil_property bad_kind[] = {{s("k"), 9, {NULL, 0}, 0, false}};
    STATUS(vigil_track_event(c, s("x"), NULL, 0, bad_kind, 1, 0, NULL), VIGIL_ERR_INVALID_ARGUMENT);
    vigil_property nan[] = {{s("k"), VIGIL_PROPERTY_NUMBER, {NULL, 0}, NAN, false}};
    STATUS(vigil_track_event(c, s("x"), NULL, 0, nan, 1, 0, NULL), VIGIL_ERR_INVALID_PROPERTY);
    vigil_property too_many[17];
    char names[17][8];
    for (int i = 0; i < 17; i++) {
        snprintf(names[i], sizeof names[i], "p%d", i);
        vigil_property p = {s(names[i]), VIGIL_PROPERTY_BOOL, {NULL, 0}, 0, true};
        too_many[i] = p;
    }
    STATUS(vigil_track_event(c, s("x"), NULL, 0, too_many, 17, 0, NULL), VIGIL_ERR_TOO_MANY_PROPERTIES);

    vigil_pair renamed[] = {pair("email", "alice.new@example.com"), pair("platform_id", "7")};
    STATUS(vigil_alias(c, alice, 2, renamed, 2, &req), VIGIL_OK);
    STATUS(vigil_alias(c, alice, 2, NULL, 0, &req), VIGIL_ERR_EMPTY);
}

static void test_checks_and_blocking(vigil_client *c) {
    vigil_pair bob[] = {pair("username", "bob")};
    vigil_request req = {s("198.51.100.20"), {NULL, 0}, {NULL, 0}, {NULL, 0}};
    vigil_decision d;
    uint8_t key[16], key_again[16];

    STATUS(vigil_identify(c, bob, 1, &req, &d), VIGIL_OK);
    STATUS(vigil_identify(c, bob, 1, NULL, NULL), VIGIL_OK);
    STATUS(vigil_identify(c, NULL, 0, NULL, NULL), VIGIL_ERR_EMPTY);
    STATUS(vigil_user_key(c, bob, 1, key), VIGIL_OK);
    STATUS(vigil_user_key(c, bob, 1, NULL), VIGIL_ERR_NULL_ARGUMENT);
    vigil_pair bob_spaced[] = {pair(" Username ", " bob ")};
    STATUS(vigil_user_key(c, bob_spaced, 1, key_again), VIGIL_OK);
    CHECK(memcmp(key, key_again, 16) == 0);
    STATUS(vigil_check(c, key, s("198.51.100.20"), &d), VIGIL_OK);
    STATUS(vigil_check(c, NULL, s(NULL), NULL), VIGIL_OK);
    STATUS(vigil_check(c, key, s("999.1.1.1"), NULL), VIGIL_ERR_INVALID_IP);
    STATUS(vigil_check_ip(c, s("198.51.100.20"), NULL), VIGIL_OK);
    STATUS(vigil_check_ip(c, s(NULL), NULL), VIGIL_ERR_NULL_ARGUMENT);

    /* Credential stuffing from one IP across many users: the local engine blocks the IP. */
    vigil_request attacker = {s("203.0.113.66"), s("stuffer"), s("POST"), s("/login")};
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof name, "victim%d@example.com", i % 7);
        vigil_pair victim[] = {pair("email", name)};
        STATUS(vigil_track_auth(c, false, victim, 1, 1, &attacker), VIGIL_OK);
    }
    STATUS(vigil_flush(c, 5000), VIGIL_OK);
    memset(&d, 0, sizeof d);
    STATUS(vigil_check_ip(c, s("203.0.113.66"), &d), VIGIL_BLOCKED);
    CHECK(d.action == VIGIL_ACTION_BLOCK);
    CHECK(d.scope == VIGIL_SCOPE_IP);
    CHECK(d.expires_at_ms > 0);
    CHECK(strncmp(d.reason, "playbook:", 9) == 0);
    CHECK(strlen(d.id) > 0);
    CHECK(d.redirect_url[0] == 0);
    STATUS(vigil_identify(c, bob, 1, &attacker, &d), VIGIL_BLOCKED);
    STATUS(vigil_check(c, key, s("203.0.113.66"), NULL), VIGIL_BLOCKED);
    STATUS(vigil_check(c, key, s("203.0.113.67"), NULL), VIGIL_OK);
}

static void test_stats_flush_fork_shutdown(vigil_client *c) {
    char *json = NULL;
    STATUS(vigil_stats_json(c, &json), VIGIL_OK);
    CHECK(json && strstr(json, "\"sent\":") && strstr(json, "\"dropped\":0"));
    vigil_string_free(json);
    STATUS(vigil_stats_json(c, NULL), VIGIL_ERR_NULL_ARGUMENT);
    STATUS(vigil_stats_json(NULL, &json), VIGIL_ERR_NULL_ARGUMENT);
    STATUS(vigil_flush(NULL, 10), VIGIL_ERR_NULL_ARGUMENT);
    STATUS(vigil_flush(c, 5000), VIGIL_OK);

    STATUS(vigil_before_fork(c), VIGIL_OK);
    pid_t pid = fork();
    if (pid == 0) {
        vigil_pair child[] = {pair("username", "child")};
        int ok = vigil_after_fork_child(c) == VIGIL_OK && vigil_track_signup(c, child, 1, NULL) == VIGIL_OK &&
                 vigil_flush(c, 5000) == VIGIL_OK;
        _exit(ok ? 0 : 1);
    }
    STATUS(vigil_after_fork_parent(c), VIGIL_OK);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    STATUS(vigil_before_fork(NULL), VIGIL_ERR_NULL_ARGUMENT);
    STATUS(vigil_after_fork_parent(NULL), VIGIL_ERR_NULL_ARGUMENT);
    STATUS(vigil_after_fork_child(NULL), VIGIL_ERR_NULL_ARGUMENT);

    char *normalized = NULL;
    STATUS(vigil_client_normalize_json(c, "{\"login\": \"Zoe\"}", &normalized), VIGIL_OK);
    CHECK(normalized && strstr(normalized, "\"primary\":\"login\""));
    vigil_string_free(normalized);
    STATUS(vigil_client_normalize_json(NULL, "{}", &normalized), VIGIL_ERR_NULL_ARGUMENT);

    STATUS(vigil_shutdown(c, 2000), VIGIL_OK);
    STATUS(vigil_shutdown(NULL, 2000), VIGIL_ERR_NULL_ARGUMENT);
    vigil_pair late[] = {pair("username", "late")};
    STATUS(vigil_track_signup(c, late, 1, NULL), VIGIL_DROPPED);
}

static void test_pseudonymized_client(void) {
    vigil_client *c = NULL;
    STATUS(vigil_client_new("{\"pii\": \"hash\", \"pii_secret\": \"0123456789abcdef0123\"}", &c), VIGIL_OK);
    char *out = NULL;
    STATUS(vigil_client_normalize_json(c, "{\"email\": \"Alice@Example.com\"}", &out), VIGIL_OK);
    CHECK(out && strstr(out, "\"email\":\"anon-") && strstr(out, "@example.com\"") && !strstr(out, "alice"));
    vigil_string_free(out);
    vigil_client_free(c);
}

int main(void) {
    test_version_and_names();
    test_normalize_json();
    test_client_creation();
    vigil_client *c = NULL;
    if (vigil_client_new("{\"flush_interval_ms\": 20, \"lang\": \"c-test\"}", &c) != VIGIL_OK) {
        fprintf(stderr, "cannot create client: %s\n", vigil_last_error());
        return 1;
    }
    test_identifier_errors(c);
    test_tracking(c);
    test_checks_and_blocking(c);
    test_stats_flush_fork_shutdown(c);
    vigil_client_free(c);
    test_pseudonymized_client();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
