// SPDX-License-Identifier: Apache-2.0
// An in-memory UEFI variable store for unit tests: records every call and
// fails or garbles on request.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime-tools/lib/efivars.hpp"

namespace sf::rt {

class FakeEfiVariables final : public EfiVariables {
 public:
  struct Call {
    std::string op;  // "get", "set" or "remove"
    std::string guid;
    std::string name;
    std::string data;  // set only
    std::uint32_t attributes = 0;

    bool operator==(const Call&) const = default;
  };

  Result<std::optional<EfiVariable>> get(std::string_view guid,
                                         std::string_view name) override;
  Result<void> set(std::string_view guid, std::string_view name,
                   std::string_view data, std::uint32_t attributes) override;
  Result<void> remove(std::string_view guid, std::string_view name) override;

  // Stores a variable without recording a call.
  void put(std::string_view guid, std::string_view name, std::string data,
           std::uint32_t attributes);
  // The stored variable, without recording a call.
  [[nodiscard]] std::optional<EfiVariable> stored(std::string_view guid,
                                                  std::string_view name) const;
  [[nodiscard]] const std::vector<Call>& calls() const { return calls_; }

  // The next get or set fails with this error (once).
  std::optional<Error> fail_next_get;
  std::optional<Error> fail_next_set;
  // Each set stores the data with its last byte dropped, as a store that
  // loses part of a write without saying so.
  bool truncate_writes = false;

 private:
  using Key = std::pair<std::string, std::string>;  // guid, name
  std::map<Key, EfiVariable> variables_;
  std::vector<Call> calls_;
};

}  // namespace sf::rt
