// SPDX-License-Identifier: Apache-2.0
// Names of the OEMDATA partition layout that builder and device agree on.
#pragma once

namespace sf::oemdata {

inline constexpr const char* kLabel = "OEMDATA";
inline constexpr const char* kCidataLabel = "CIDATA";

// Files and folders at the top of OEMDATA.
inline constexpr const char* kHook = "hook.sh";
inline constexpr const char* kDebs = "debs";
inline constexpr const char* kFirmware = "firmware";
inline constexpr const char* kRepo = "repo";
inline constexpr const char* kKeys = "keys";
inline constexpr const char* kFleet = "fleet";
inline constexpr const char* kEnrollment = "enrollment";
inline constexpr const char* kManifest = "MANIFEST.json";
inline constexpr const char* kSums = "SHA256SUMS";
inline constexpr const char* kAptRepoUrl = "apt-repo.url";
inline constexpr const char* kAptPackages = "apt-packages.txt";
inline constexpr const char* kLvfsUrl = "lvfs-mirror.url";

// Inside keys/: the fleet's repository key and the upstream mirror's key.
inline constexpr const char* kFleetKey = "keys/fleet.asc";
inline constexpr const char* kMirrorKey = "keys/mirror.asc";

// The per-fleet settings file inside fleet/, beside one <serial>.json each.
inline constexpr const char* kFleetSettings = "fleet/fleet.json";

}  // namespace sf::oemdata
