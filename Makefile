# Entry points. `make run` and `make test` are the two README commands.
BUILD ?= build
JOBS  ?= 2
BUILD_TYPE ?= RelWithDebInfo
CMAKE_ARGS ?=

.PHONY: deps configure build run test bench clean

deps:
	bash scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)

build: configure
	cmake --build $(BUILD) -j$(JOBS)

run: build
	$(BUILD)/bin/hubd --config config/hubd.yaml

test: build
	ctest --test-dir $(BUILD) --output-on-failure --timeout 600

bench: build
	bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)
