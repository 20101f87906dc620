// A tiny STS-B made by the tests that train text runs (tests/test_cli_text.cpp, the 2-rank text
// runs of tests/test_distributed.cpp): DIR/stsb/{train,dev,test}.tsv, sentences of 3-6 words from
// 12, random scores; 48 training pairs. Removed when it goes out of scope.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include "core/random.h"

struct TinyStsb {
    std::filesystem::path root;
    explicit TinyStsb(const std::string& name = "contrast_cli_text")
        : root(std::filesystem::temp_directory_path() / (name + "_" + std::to_string(getpid()))) {
        std::filesystem::remove_all(root);
        std::filesystem::create_directories(root / "stsb");
        const char* words[] = {"a", "man", "dog", "plays", "the", "guitar", "cat", "runs", "woman", "eats", "fast", "slowly"};
        ct::Generator g(5);
        auto sentence = [&] {
            std::string s;
            const int64_t n = 3 + g.randint(4);
            for (int64_t i = 0; i < n; ++i) s += std::string(i ? " " : "") + words[g.randint(12)];
            return s + ".";
        };
        for (const auto& [file, pairs] : {std::pair<const char*, int>{"train.tsv", 48}, {"dev.tsv", 16}, {"test.tsv", 16}}) {
            std::ofstream f(root / "stsb" / file);
            f << "score\tsentence1\tsentence2\n";
            for (int i = 0; i < pairs; ++i) f << g.randint(6) << "\t" << sentence() << "\t" << sentence() << "\n";
        }
    }
    ~TinyStsb() { std::filesystem::remove_all(root); }
    TinyStsb(const TinyStsb&) = delete;
    TinyStsb& operator=(const TinyStsb&) = delete;
    std::string args() const {
        return "--data-dir " + root.string() + " --embedding-dim 16 --max-tokens 8 --batch-size 8 --epochs 1 --threads 2";
    }
};
