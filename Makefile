# The README's two commands: `make demo` and `make test`. Everything else
# is plain CMake; see docs/quickstart.md.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
RELEASE := build
SANITIZE := build-asan

.PHONY: all demo test test-plain test-asan deps build clean format format-check

all: build

deps:
	@scripts/deps.sh

build: deps
	cmake -S . -B $(RELEASE) -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
	cmake --build $(RELEASE) -j$(JOBS)

# Builds in release mode and runs the embedded default graph.
demo: build
	$(RELEASE)/bin/uberhost run -v
	@echo "uberhost: the default graph wrote its files to $(CURDIR)/uberhost-out/"

# Builds and runs the whole suite, then again under ASan + UBSan.
test: test-plain test-asan format-check

test-plain: deps
	cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build-test -j$(JOBS)
	ctest --test-dir build-test --output-on-failure -j$(JOBS)

test-asan: deps
	cmake -S . -B $(SANITIZE) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
	  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_FLAGS=-O1 -DUH_SANITIZE=address,undefined >/dev/null
	cmake --build $(SANITIZE) -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(SANITIZE) --output-on-failure -j$(JOBS)

format:
	git ls-files '*.c' '*.h' '*.cc' | xargs clang-format -i

# Every tracked C file is clang-formatted (.clang-format, clang-format 14).
format-check: deps
	git ls-files '*.c' '*.h' '*.cc' | xargs clang-format --dry-run --Werror

clean:
	rm -rf build build-test build-asan uberhost-out
