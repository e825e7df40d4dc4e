// SPDX-License-Identifier: Apache-2.0
// Runs an on-device tool against a fixture root, as the golden tests and
// the bad-input tests of the runtime tools do.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/subprocess.hpp"

namespace sf::test {

// tests/fixtures/roots/<name>.
std::filesystem::path fixture_root(const std::string& name);

// The command that starts bin/<tool>: the path, behind the emulator in a
// cross build (qemu-aarch64-static for arm64 binaries on x86-64).
std::vector<std::string> tool_command(const std::string& tool);

// Runs bin/<tool> with --sysroot <fixture root> --no-write-file and the
// extra arguments, with PATH holding only the fake commands of that root
// (tests/fixtures/bin/<root>) and tests/fixtures/bin/common.
Result<RunResult> run_on_fixture(const std::string& tool,
                                 const std::string& root,
                                 std::vector<std::string> args = {},
                                 std::map<std::string, std::string> env = {});

// The envelope with run-dependent fields (time, run id, duration) fixed, so
// it can be compared with a golden file.
nlohmann::json normalized(nlohmann::json envelope);

// The codes of every entry of an envelope's `errors`.
std::set<std::string> error_codes(const nlohmann::json& envelope);

// Validates envelope text against docs/schema/envelope.schema.json with
// python3-jsonschema; returns the validator's complaint, empty when valid.
std::string schema_errors(const std::string& envelope_text);

}  // namespace sf::test
