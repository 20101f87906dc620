// The readers that take untrusted files, one entry per fuzz target: each feeds arbitrary bytes to
// one reader. Built into the libFuzzer harnesses (fuzz/harness.cpp, `make fuzz`), into the seed
// writer (fuzz/make_seeds.cpp) and into the test suite, which replays tests/fuzz_regressions/<name>/.
// The contract every reader must keep: a ct::Error (or success) on any input; anything else (another
// exception, a sanitizer report, a crash) is a bug.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nn/module.h"

namespace ct::fuzz {

struct Target {
    const char* name;   // harness build-fuzz/fuzz_<name>, corpus build-fuzz/corpus/<name>/
    const char* what;   // the reader it calls, for the docs and the test output
    void (*run)(const uint8_t* data, size_t size);   // throws only what the reader throws
};
const std::vector<Target>& targets();
const Target& target(const std::string& name);   // throws ct::ValueError for an unknown name

// The model every checkpoint seed and the checkpoint targets use: Linear(2,3) then BatchNorm1d(3),
// so a checkpoint holds F32 weights and an I64 num_batches_tracked.
std::shared_ptr<nn::Module> tiny_model();

// checkpoint_meta's input format: one "key<TAB>value" per line (the __metadata__ map).
std::string metadata_to_lines(const std::map<std::string, std::string>& metadata);

}  // namespace ct::fuzz
