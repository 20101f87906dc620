// The doctest runner: every tests/test_*.cpp file adds its cases to this one binary.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "core/parallel.h"

int main(int argc, char** argv) {
    ct::setup_runtime(argv);
    doctest::Context context(argc, argv);
    return context.run();
}
