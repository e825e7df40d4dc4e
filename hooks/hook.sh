#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# First-boot hook on OEMDATA: checks the partition against SHA256SUMS, then
# hands over to spark-provision, or, until that ships, installs the carried
# packages from the signed repository on the stick and points apt at the
# fleet's mirror. Run by the cloud-init runcmd with OEM_MNT set; exits
# non-zero on any failure so cloud-init stays enabled and retries.
set -eu

say() {
  echo "sparkforge-hook: $*" >&2
  logger -t sparkforge-hook -- "$*" 2>/dev/null || true
}
die() {
  say "error: $*"
  exit 1
}

[ -n "${OEM_MNT:-}" ] || die "OEM_MNT is not set"
[ -d "$OEM_MNT" ] || die "OEM_MNT=$OEM_MNT is not a folder"
root=${SPARKFORGE_ROOT:-}
cd "$OEM_MNT"
# apt's sources below need the stick's paths absolute.
OEM_MNT=$(pwd)

# 1. Nothing on the stick may have changed since sparkforge built it.
[ -f SHA256SUMS ] || die "$OEM_MNT/SHA256SUMS is missing"
if ! bad=$(sha256sum --quiet --strict -c SHA256SUMS 2>&1); then
  die "OEMDATA files differ from SHA256SUMS: $bad"
fi
# sha256sum checks only the files it lists, and an added bin/spark-provision
# or apt-repo.url would be acted on, so nothing else may be there. Devices
# write enrollment/, mke2fs makes lost+found/, and SHA256SUMS and
# MANIFEST.json cannot list themselves.
extra=$(find . \( -path ./enrollment -o -path ./lost+found \) -prune -o \
  ! -type d ! -path ./SHA256SUMS ! -path ./MANIFEST.json -print |
  awk 'FILENAME == "SHA256SUMS" { sub(/^[0-9a-f]+  /, ""); listed[$0] = 1
                                  next }
       { sub(/^\.\//, "") }
       !($0 in listed)' SHA256SUMS -)
[ -z "$extra" ] || die "OEMDATA holds files not in SHA256SUMS: $extra"
say "OEMDATA verified against SHA256SUMS"

# 2. The full provisioning program, when the stick carries it.
if [ -x "$OEM_MNT/bin/spark-provision" ]; then
  exec "$OEM_MNT/bin/spark-provision" --oemdata "$OEM_MNT"
fi
# TODO(#6): spark-provision (asset tags, accounts, inventory, enrollment).

# 3. Packages from the signed repository on the stick, never trusted=yes.
if [ -s apt-packages.txt ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  list=$work/sources.list
  # Lists of its own, so the machine's other package lists stay intact.
  mkdir -p "$work/lists/partial"
  # The repository holds one suite; its name is the folder under dists/.
  suite=$(ls repo/dists)
  echo "deb [signed-by=$OEM_MNT/keys/fleet.asc] file:$OEM_MNT/repo" \
    "$suite main" > "$list"
  opts="-o Dir::Etc::SourceList=$list -o Dir::Etc::SourceParts=-"
  opts="$opts -o Dir::State::Lists=$work/lists"
  # shellcheck disable=SC2086
  timeout 600 apt-get $opts update || die "apt-get update from OEMDATA failed"
  # shellcheck disable=SC2086,SC2046
  DEBIAN_FRONTEND=noninteractive timeout 1800 apt-get $opts install -y \
    $(grep -v '^#' apt-packages.txt) ||
    die "installing the carried packages failed"
  say "installed: $(grep -v '^#' apt-packages.txt | tr '\n' ' ')"
fi

# 4. The fleet's APT mirror, as a deb822 source with its own key.
if [ -s apt-repo.url ]; then
  keyring=$root/etc/apt/keyrings/sparkforge-mirror.asc
  mkdir -p "$(dirname "$keyring")"
  [ -f keys/mirror.asc ] || die "apt-repo.url is set but keys/mirror.asc is missing"
  cp keys/mirror.asc "$keyring"
  # apt-repo.url holds "URL SUITE COMPONENT..." on one line.
  read -r url suite components < apt-repo.url
  {
    echo "Types: deb"
    echo "URIs: $url"
    echo "Suites: $suite"
    echo "Components: $components"
    echo "Signed-By: /etc/apt/keyrings/sparkforge-mirror.asc"
  } > "$root/etc/apt/sources.list.d/sparkforge-mirror.sources"
  say "apt points at $url"
fi
# TODO(#6): point fwupd at lvfs-mirror.url and disable the public LVFS remote.
exit 0
