/* The last error's message copied out in the same cgo call as the failing function: a
 * goroutine may change OS threads between two cgo calls, and the message is per thread. */
#include <stddef.h>
#include <stdint.h>

void vg_copy_error(int32_t status, char *err, size_t cap);
