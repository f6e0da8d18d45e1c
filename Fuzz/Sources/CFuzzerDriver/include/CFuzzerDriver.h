#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver, linked by -sanitize=fuzzer: it runs the fuzzing loop
// with the callback, parsing libFuzzer's usual command line.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
