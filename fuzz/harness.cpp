// One libFuzzer harness: built once per target with -DCT_FUZZ_TARGET=<name> (see `make fuzz`).
// The target swallows ct::Error (a reader's clean refusal); anything else escapes to libFuzzer as a crash.
#include "fuzz/targets.h"

#include "core/check.h"

#define CT_STR2(x) #x
#define CT_STR(x) CT_STR2(x)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const ct::fuzz::Target& t = ct::fuzz::target(CT_STR(CT_FUZZ_TARGET));
    t.run(data, size);
    return 0;
}
