/* What every C test of the library counts and checks with: CHECK(cond), STATUS(call,
 * expected) (a status other than expected is reported with its name and the last error),
 * and s(text), a vigil_str of a C string. A test's main reports `passed` and `failed`. */
#ifndef VIGIL_TEST_CHECKS_H
#define VIGIL_TEST_CHECKS_H

#include <stdio.h>
#include <string.h>

#include "vigil.h"

static int passed, failed;

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (cond) {                                                                 \
            passed++;                                                               \
        } else {                                                                    \
            failed++;                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, \
                    __LINE__, #cond, vigil_last_error());                           \
        }                                                                           \
    } while (0)

#define STATUS(call, expected)                                                            \
    do {                                                                                  \
        int32_t got_ = (call);                                                            \
        if (got_ == (expected)) {                                                         \
            passed++;                                                                     \
        } else {                                                                          \
            failed++;                                                                     \
            fprintf(stderr, "%s:%d: %s returned %d (%s), expected %s (last error: %s)\n", \
                    __FILE__, __LINE__, #call, got_, vigil_status_name(got_), #expected,    \
                    vigil_last_error());                                                  \
        }                                                                                 \
    } while (0)

static inline vigil_str s(const char *text) {
    vigil_str out = {text, text ? strlen(text) : 0};
    return out;
}

#endif
