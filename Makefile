# Oyster: the two commands of the quick start, and their parts.
#   make run   installs what is missing, builds, sets up (kernel + image,
#              cached under /var/cache/oyster) and runs the sensor in the
#              foreground (Ctrl-C stops it and every guest).
#   make test  installs what is missing, builds (plain and ASan+UBSan), sets up
#              and runs every test: unit (both builds), integration (real
#              guests, under ASan+UBSan), fuzz smoke, formatting, clang-tidy
#              (on what changed since it was last clean, see tidy-record).
SHELL := /bin/bash
BUILD ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
CONFIG ?= oyster.toml
OYSTER := $(BUILD)/src/oyster/oyster
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60

.PHONY: all deps deps-test build build-asan build-fuzz setup run test test-unit test-asan test-integration fuzz format format-check tidy tidy-record bench clean

all: build

deps:
	scripts/install-deps.sh run

deps-test:
	scripts/install-deps.sh test

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

$(BUILD_ASAN)/build.ninja:
	cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DOYSTER_SANITIZE=ON

build-asan: deps-test $(BUILD_ASAN)/build.ninja
	cmake --build $(BUILD_ASAN) -j $(JOBS)

$(BUILD_FUZZ)/build.ninja:
	CC=clang CXX=clang++ cmake -S . -B $(BUILD_FUZZ) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DOYSTER_FUZZ=ON -DOYSTER_INTEGRATION=OFF

build-fuzz: deps-test $(BUILD_FUZZ)/build.ninja
	cmake --build $(BUILD_FUZZ) -j $(JOBS)

setup: build
	$(OYSTER) --config $(CONFIG) setup

run: setup
	$(OYSTER) --config $(CONFIG) run

test: deps-test build build-asan build-fuzz format-check tidy
	$(OYSTER) --config $(CONFIG) setup
	# The embedded-device persona's image too (tests/integration/gateway_persona.sh),
	# recorded in a state directory of its own.
	sed -e 's|^persona = .*|persona = "gateway"|' -e 's|^state_dir = .*|state_dir = "$(abspath $(BUILD))/gateway-state"|' \
	  $(CONFIG) >$(BUILD)/gateway.toml
	$(OYSTER) --config $(BUILD)/gateway.toml setup
	# Unit tests in both builds; the integration tests (real guests, most of
	# the time) once, under the sanitizers, where they find the most.
	cd $(BUILD) && ctest --output-on-failure -j 1 -L unit
	cd $(BUILD_ASAN) && ctest --output-on-failure -j 1
	$(MAKE) fuzz
	@echo "make test: all suites passed"

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit

fuzz: build-fuzz
	scripts/fuzz-smoke.sh $(BUILD_FUZZ) $(FUZZ_SECONDS) $(JOBS)

FORMAT_FILES = $(shell git ls-files '*.cpp' '*.h' | grep -v '^kernel/')

format:
	clang-format -i $(FORMAT_FILES)

format-check: deps-test
	clang-format --dry-run --Werror $(FORMAT_FILES)

# Only sources whose content, headers or compile command changed since they
# were last found clean (scripts/tidy-cached.py; the record is kept under
# /var/cache/oyster/tidy), one per core.
tidy: build
	scripts/tidy-cached.py $(BUILD) $(filter src/%.cpp,$(FORMAT_FILES))

# Before a commit that changes src/: the keys of the now-clean sources into
# scripts/tidy-clean.keys, so that a clean clone tidies only what changed.
tidy-record: build
	scripts/tidy-cached.py --record $(BUILD) $(filter src/%.cpp,$(FORMAT_FILES))

bench: setup
	bench/boot/run.sh $(OYSTER)
	bench/placement/run.sh $(OYSTER)
	bench/syscall_path/run.sh $(OYSTER)
	bench/sensor/run.sh $(OYSTER)
	bench/store/run.sh $(BUILD)
	bench/fleet/run.sh $(BUILD)
	bench/follower/run.sh $(BUILD)
	bench/detection/run.sh $(BUILD)
	bench/flows/run.sh $(BUILD)
	bench/clock/run.sh $(OYSTER)
	bench/forensics/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
