# contrast: build, test, benchmark and run. `make help` lists the targets.
# Library build/libcontrast.a from core/ nn/ losses/ data/; the CLI build/contrast from apps/contrast/;
# walkthroughs build/walkthroughs/*; the doctest suite build/tests; benchmarks build/bench/*.

CXX      ?= g++
# -mno-avx512f: GCC 12.2 (Debian 12) miscompiles brace-initialised double vectors with AVX-512
# (a {1, 1, 0, 0} argument arrives as {1, 1, 1, 1} at -O2); AVX2 code is unaffected.
ARCH     ?= -march=native -mno-avx512f
CXXFLAGS ?= -O3 $(ARCH)
# -fno-trapping-math: we never trap on floating-point exceptions, and GCC's default (trapping
# math on) forbids turning a float comparison into a vector select, so a clamp or a max inside a
# loop (fast_exp, relu) kept the loop scalar. Results are unchanged: no value-changing rewrite.
override CXXFLAGS += -std=c++17 -Wall -Wextra -Wno-unused-parameter -fopenmp -fno-trapping-math -I. -MMD -MP
# OpenBLAS's OpenMP build: BLAS then runs on the same OpenMP thread pool as our kernels. With the
# pthread build, OpenMP threads spinning after a parallel region fight OpenBLAS's own threads for
# the cores (a 512x128 normalize took 35 ms instead of 0.09 ms on 2 cores).
OPENBLAS_DIR ?= /usr/lib/x86_64-linux-gnu/openblas-openmp
override LDLIBS += -fopenmp -L$(OPENBLAS_DIR) -Wl,-rpath,$(OPENBLAS_DIR) -lopenblas -lstb -ljpeg -lz -lpthread
# MPI (OpenMPI's C API) for data-parallel training, core/distributed.*: its flags from pkg-config,
# else from the compiler wrapper. A binary started without mpirun never initialises MPI.
MPI_CFLAGS := $(shell pkg-config --cflags ompi-c 2>/dev/null || mpicc --showme:compile 2>/dev/null)
MPI_LIBS   := $(shell pkg-config --libs ompi-c 2>/dev/null || mpicc --showme:link 2>/dev/null)
override CXXFLAGS += $(MPI_CFLAGS)
override LDLIBS += $(MPI_LIBS)
BUILD    ?= build
MAKEFLAGS += --jobs=$(shell nproc) --no-print-directory
PACKAGES := g++ make libopenblas-dev libopenblas-openmp-dev doctest-dev libstb-dev libjpeg62-turbo-dev zlib1g-dev \
            nlohmann-json3-dev libcli11-dev clang libclang-rt-14-dev libopenmpi-dev openmpi-bin

LIB_SRCS   := $(wildcard core/*.cpp nn/*.cpp losses/*.cpp data/*.cpp)
APPLIB_SRCS := $(wildcard apps/lib/*.cpp)
CLI_SRCS   := $(wildcard apps/contrast/*.cpp)
WALK_SRCS  := $(wildcard apps/walkthroughs/*.cpp)
TEST_SRCS  := $(wildcard tests/*.cpp)
BENCH_SRCS := $(wildcard bench/*.cpp)

obj = $(patsubst %.cpp,$(BUILD)/obj/%.o,$(1))
LIB    := $(BUILD)/libcontrast.a
APPLIB := $(BUILD)/libcontrast_apps.a
CLI    := $(if $(CLI_SRCS),$(BUILD)/contrast)
WALKS  := $(patsubst apps/walkthroughs/%.cpp,$(BUILD)/walkthroughs/%,$(WALK_SRCS))
TESTS  := $(BUILD)/tests
MPI_DRIVER := $(BUILD)/mpi_driver
BENCHES := $(patsubst bench/%.cpp,$(BUILD)/bench/%,$(BENCH_SRCS))

.PHONY: all test bench debug fuzz fuzz-check-deps deps data run help clean check-deps FORCE
EXAMPLE := $(BUILD)/core_example
all: check-deps $(LIB) $(APPLIB) $(CLI) $(WALKS) $(TESTS) $(MPI_DRIVER) $(EXAMPLE)

# ---- dependency detection: say what is missing and which package brings it
HASH := \#
HAVE = $(shell printf '$(HASH)include <$(1)>\nint main(){}\n' | $(CXX) -fopenmp -x c++ - $(or $(2),-fsyntax-only) -o /dev/null 2>/dev/null && echo yes)
# jpeglib.h needs <stdio.h> before it: its HAVE line slips that include in.
check-deps:
	@$(if $(call HAVE,omp.h),echo "OpenMP: found (g++ -fopenmp)",echo "error: OpenMP not found: install g++ (make deps)"; exit 1)
	@$(if $(call HAVE,cblas.h,-L$(OPENBLAS_DIR) -lopenblas),echo "OpenBLAS: found (OpenMP build, $(OPENBLAS_DIR))",echo "error: OpenBLAS (OpenMP build) not found: install libopenblas-dev libopenblas-openmp-dev (make deps)"; exit 1)
	@$(if $(call HAVE,doctest/doctest.h),true,echo "error: doctest not found: install doctest-dev (make deps)"; exit 1)
	@$(if $(call HAVE,stb/stb_image.h),true,echo "error: stb not found: install libstb-dev (make deps)"; exit 1)
	@$(if $(call HAVE,stdio.h>\n$(HASH)include <jpeglib.h,-ljpeg),true,echo "error: libjpeg-turbo not found: install libjpeg62-turbo-dev (make deps)"; exit 1)
	@$(if $(call HAVE,mpi.h,$(MPI_CFLAGS) -fsyntax-only),true,echo "error: MPI not found: install libopenmpi-dev openmpi-bin (make deps)"; exit 1)

# Objects depend on the compiler flags too: changing them (ARCH, make debug) rebuilds everything.
FLAGS_STAMP := $(BUILD)/compile_flags
$(FLAGS_STAMP): FORCE
	@mkdir -p $(BUILD)
	@echo '$(CXX) $(CXXFLAGS)' | cmp -s - $@ || echo '$(CXX) $(CXXFLAGS)' > $@
FORCE:

$(BUILD)/obj/%.o: %.cpp $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@

$(LIB): $(call obj,$(LIB_SRCS))
	@rm -f $@
	ar rcs $@ $^

# apps/lib: evaluation metrics, pictures, .npy, progress bars: shared by the CLI, walkthroughs, tests.
$(APPLIB): $(call obj,$(APPLIB_SRCS))
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/contrast: $(call obj,$(CLI_SRCS)) $(APPLIB) $(LIB)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/walkthroughs/%: $(BUILD)/obj/apps/walkthroughs/%.o $(APPLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)

# Objects reached only through a pattern rule are intermediates that make deletes after linking;
# kept, a rebuild relinks the walkthroughs and benchmarks instead of recompiling them.
.SECONDARY: $(call obj,$(WALK_SRCS) $(BENCH_SRCS))

$(EXAMPLE): $(BUILD)/obj/docs/core_example.o $(LIB)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)

# The tests link the CLI's pieces too (the config table, the method registry), all but its main,
# and the fuzz targets: tests/test_fuzz_regressions.cpp replays tests/fuzz_regressions/ through them.
CLI_PARTS := $(call obj,$(filter-out apps/contrast/main.cpp,$(CLI_SRCS)))
$(TESTS): $(call obj,$(TEST_SRCS) fuzz/targets.cpp) $(CLI_PARTS) $(APPLIB) $(LIB)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)

# The multi-rank checks that tests/test_distributed.cpp launches under mpirun.
$(MPI_DRIVER): $(BUILD)/obj/tests/mpi/driver.o $(LIB)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(APPLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)

# Runs the whole doctest suite; the last line is the "N passed, N failed" summary.
test: check-deps $(TESTS) $(CLI) $(MPI_DRIVER)
	@$(TESTS) $(TEST_ARGS) | tee $(BUILD)/test.log; status=$${PIPESTATUS[0]}; \
	  sed -n 's/^\[doctest\] test cases: *\([0-9]*\) *| *\([0-9]*\) passed *| *\([0-9]*\) failed.*/tests: \2 passed, \3 failed/p' $(BUILD)/test.log; \
	  exit $$status
SHELL := /bin/bash

# The main job: a Siamese network with a 2-D embedding on the embedded MNIST sample (no download).
RUN_DIR ?= runs/siamese-mnist-sample-d2
run: check-deps $(CLI)
	$(CLI) train --method siamese --data mnist-sample --embedding-dim 2 --epochs 15 --out $(RUN_DIR) --overwrite
	$(CLI) eval $(RUN_DIR)
	$(CLI) plot $(RUN_DIR)
	$(CLI) retrieve $(RUN_DIR)
	@echo
	@echo "Done. The run is in $(RUN_DIR): config.json, metrics.csv, last/best.safetensors,"
	@echo "loss.png, accuracy.png, embedding.png (the 2-D embedding), retrieval.png, eval.json."
	@echo "Next, on the full data sets (make data DATA_ARGS='--from ../shared/data' unpacks them into ./data):"
	@echo "  $(CLI) train --method triplet --data mnist --out runs/triplet-mnist"
	@echo "  $(CLI) train --method simclr --data cifar10 --out runs/simclr-cifar10"
	@echo "  $(CLI) --help, and the walkthroughs in $(BUILD)/walkthroughs/"

bench: check-deps $(BENCHES)
	@for b in $(BENCHES); do echo "== $$b"; $$b || exit 1; done

# ASan + UBSan build of the suite in build-debug/, then run it.
debug:
	@$(MAKE) BUILD=build-debug CXXFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  LDLIBS="-fsanitize=address,undefined" build-debug/tests build-debug/contrast build-debug/mpi_driver
	ASAN_OPTIONS=detect_leaks=1 ./build-debug/tests $(TEST_ARGS)

# ---- fuzzing: one libFuzzer harness per reader (fuzz/targets.cpp), built with clang in build-fuzz/.
# The library is compiled once there with coverage + ASan + UBSan and each harness links against it.
# Without OpenMP: the readers run on one thread per input, and clang's -fopenmp would bring LLVM's
# libomp into a process whose OpenBLAS already uses GNU libgomp (two OpenMP runtimes); core/ guards
# its omp calls with _OPENMP, so the pragmas are simply ignored (-Wno-unknown-pragmas).
# Seeds come from the project's writers (fuzz/make_seeds.cpp, built with g++ in build/).
FUZZ_CXX     ?= clang++
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := idx idx_gz cifar image safetensors npy config checkpoint_meta metrics_csv
FUZZ_BUILD   := build-fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CXXFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN) -std=c++17 -Wall -Wextra \
                 -Wno-unused-parameter -Wno-unknown-pragmas -I. $(MPI_CFLAGS)
# The config reader checks a method name against the registry, which brings the methods' losses,
# so the whole library and the CLI's pieces are built (all but the CLI's main).
FUZZ_SRCS := $(LIB_SRCS) $(APPLIB_SRCS) $(filter-out apps/contrast/main.cpp,$(CLI_SRCS)) fuzz/targets.cpp
FUZZ_LIB  := $(FUZZ_BUILD)/libcontrast_fuzz.a
FUZZ_BINS := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))
SEEDER    := $(BUILD)/fuzz/make_seeds

# Says what is missing and which package brings it, before anything is compiled.
fuzz-check-deps:
	@command -v $(FUZZ_CXX) >/dev/null || { echo "error: $(FUZZ_CXX) not found: install clang (make deps)"; exit 1; }
	@printf 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }\n' | \
	  $(FUZZ_CXX) -x c++ - -fsanitize=fuzzer,address,undefined -o /dev/null 2>/dev/null || \
	  { echo "error: the libFuzzer/sanitizer runtime is missing: install libclang-rt-14-dev (make deps)"; exit 1; }

$(FUZZ_BUILD)/obj/%.o: %.cpp | fuzz-check-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_LIB): $(patsubst %.cpp,$(FUZZ_BUILD)/obj/%.o,$(FUZZ_SRCS))
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: fuzz/harness.cpp $(FUZZ_LIB) fuzz/targets.h
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer -DCT_FUZZ_TARGET=$* $(filter-out %.h,$^) -o $@ \
	  -L$(OPENBLAS_DIR) -Wl,-rpath,$(OPENBLAS_DIR) -lopenblas -lstb -ljpeg -lz -lpthread $(MPI_LIBS)

$(SEEDER): $(call obj,fuzz/make_seeds.cpp fuzz/targets.cpp) $(CLI_PARTS) $(APPLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)

# Each harness runs FUZZ_SECONDS on build-fuzz/corpus/<target> (seeded fresh, grown by the run) plus
# tests/fuzz_regressions/<target>; the first crash stops with its reproducer in build-fuzz/crashes/<target>/
# (emptied at each run: keep a finding by copying it into tests/fuzz_regressions/<target>/).
fuzz: $(FUZZ_BINS) $(SEEDER)
	@rm -rf $(FUZZ_BUILD)/seeds && $(SEEDER) $(FUZZ_BUILD)/seeds
	@mkdir -p $(FUZZ_BUILD)/logs $(FUZZ_BUILD)/tmp
	@for t in $(FUZZ_TARGETS); do \
	  rm -rf $(FUZZ_BUILD)/crashes/$$t && mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/crashes/$$t && cp $(FUZZ_BUILD)/seeds/$$t/* $(FUZZ_BUILD)/corpus/$$t/; \
	  regress=$$([ -d tests/fuzz_regressions/$$t ] && echo tests/fuzz_regressions/$$t); \
	  TMPDIR=$(FUZZ_BUILD)/tmp $(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/crashes/$$t/ $(FUZZ_BUILD)/corpus/$$t $$regress > $(FUZZ_BUILD)/logs/$$t.log 2>&1; \
	  status=$$?; log=$(FUZZ_BUILD)/logs/$$t.log; \
	  execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
	  speed=$$(sed -n 's/^stat::average_exec_per_sec: *//p' $$log); \
	  cov=$$(grep -o 'cov: [0-9]*' $$log | tail -1 | cut -d' ' -f2); \
	  crashes=$$(ls $(FUZZ_BUILD)/crashes/$$t | grep -c -E '^(crash|leak|timeout|oom)-'); \
	  printf 'fuzz %-16s %9s execs  %6s exec/s  cov %5s  crashes %s\n' $$t "$${execs:-?}" "$${speed:-?}" "$${cov:-?}" $$crashes; \
	  if [ $$status -ne 0 ]; then \
	    tail -40 $$log; echo "fuzz: $$t failed (status $$status); reproducer: $$(ls -t $(FUZZ_BUILD)/crashes/$$t/* 2>/dev/null | head -1)"; \
	    echo "replay it: $(FUZZ_BUILD)/fuzz_$$t <file>; keep it: copy it into tests/fuzz_regressions/$$t/"; exit 1; fi; \
	done

deps:
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PACKAGES); \
	else echo "run as root: sudo apt-get install -y $(PACKAGES)"; fi

data:
	@scripts/get_data.sh $(DATA_ARGS)

clean:
	rm -rf $(BUILD) build-debug $(FUZZ_BUILD)

help:
	@echo "make            build the library, the contrast CLI, the walkthroughs and the tests"
	@echo "make deps       install the Debian packages (apt-get as root, else prints the command)"
	@echo "make test       build and run the doctest suite (TEST_ARGS='-tc=*nt_xent*' picks tests)"
	@echo "make run        the main job: Siamese 2-D embedding on the embedded MNIST sample"
	@echo "make bench      benchmarks: conv/sgemm GFLOP/s, bandwidth, memory, training steps"
	@echo "make debug      the test suite under AddressSanitizer + UndefinedBehaviorSanitizer"
	@echo "make fuzz       libFuzzer harnesses (clang) for every reader, FUZZ_SECONDS=60 each; see docs/RELIABILITY.md"
	@echo "make data       fetch or unpack MNIST / CIFAR-10 into ./data (DATA_ARGS='--from ../shared/data')"
	@echo "make clean      remove build/, build-debug/ and build-fuzz/"

-include $(shell find $(BUILD) $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
