#include <string.h>

#include "vg_error.h"
#include "vigil.h"

void vg_copy_error(int32_t status, char *err, size_t cap) {
	if (status >= 0 || err == NULL || cap == 0) return;
	const char *msg = vigil_last_error();
	size_t n = strlen(msg);
	if (n >= cap) n = cap - 1;
	memcpy(err, msg, n);
	err[n] = 0;
}
