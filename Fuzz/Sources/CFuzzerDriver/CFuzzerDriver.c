// Declarations only: LLVMFuzzerRunDriver comes with libFuzzer.
#include "CFuzzerDriver.h"
