// SPDX-License-Identifier: Apache-2.0
// An in-memory UEFI variable store for unit tests: records every call and
// fails or garbles on request.
#include "runtime-tools/lib/efivars_fake.hpp"

namespace sf::rt {

Result<std::optional<EfiVariable>> FakeEfiVariables::get(
    std::string_view guid, std::string_view name) {
  calls_.push_back({"get", std::string(guid), std::string(name), {}, 0});
  if (fail_next_get) {
    auto error = *std::exchange(fail_next_get, std::nullopt);
    return std::unexpected(error);
  }
  return stored(guid, name);
}

Result<void> FakeEfiVariables::set(std::string_view guid, std::string_view name,
                                   std::string_view data,
                                   std::uint32_t attributes) {
  calls_.push_back({"set", std::string(guid), std::string(name),
                    std::string(data), attributes});
  if (fail_next_set) {
    auto error = *std::exchange(fail_next_set, std::nullopt);
    return std::unexpected(error);
  }
  std::string kept(data);
  if (truncate_writes && !kept.empty()) kept.pop_back();
  put(guid, name, std::move(kept), attributes);
  return {};
}

Result<void> FakeEfiVariables::remove(std::string_view guid,
                                      std::string_view name) {
  calls_.push_back({"remove", std::string(guid), std::string(name), {}, 0});
  variables_.erase({std::string(guid), std::string(name)});
  return {};
}

void FakeEfiVariables::put(std::string_view guid, std::string_view name,
                           std::string data, std::uint32_t attributes) {
  variables_[{std::string(guid), std::string(name)}] =
      EfiVariable{attributes, std::move(data)};
}

std::optional<EfiVariable> FakeEfiVariables::stored(
    std::string_view guid, std::string_view name) const {
  auto found = variables_.find({std::string(guid), std::string(name)});
  if (found == variables_.end()) return std::nullopt;
  return found->second;
}

}  // namespace sf::rt
