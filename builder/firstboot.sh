#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# sparkforge first boot: mount OEMDATA, run its hook.sh, and disable
# cloud-init only when the hook succeeded, so a failed boot is retried.
# Paths and waits come from SPARKFORGE_* variables in tests only.
dev=${SPARKFORGE_OEM_DEV:-/dev/disk/by-label/OEMDATA}
mnt=${SPARKFORGE_OEM_MNT:-/run/sparkforge/oem}
console=${SPARKFORGE_CONSOLE:-/dev/console}
wait_sec=${SPARKFORGE_WAIT_SEC:-120}
poll_sec=${SPARKFORGE_POLL_SEC:-2}
disabled=${SPARKFORGE_CLOUD_DISABLED_FILE:-/etc/cloud/cloud-init.disabled}
# runcmd runs once per instance; removing its semaphore makes cloud-init run
# this script again on the next boot.
sem=${SPARKFORGE_RUNCMD_SEM:-/var/lib/cloud/instance/sem/config_scripts_user}

# say PRIORITY MESSAGE: to the console and the journal, never failing.
say() {
  priority=$1
  shift
  echo "sparkforge: $*" >>"$console" 2>/dev/null || true
  logger -t sparkforge -p "user.$priority" "$*" 2>/dev/null || true
}

# udev may create the by-label link late; blkid also asks the devices.
oemdata_present() {
  [ -e "$dev" ] || blkid -L OEMDATA >/dev/null 2>&1
}

waited=0
until oemdata_present; do
  if [ "$waited" -ge "$wait_sec" ]; then
    say err "OEMDATA partition not found after $wait_sec s;" \
      "cloud-init stays enabled and will retry on next boot"
    rm -f "$sem"
    exit 1
  fi
  sleep "$poll_sec"
  waited=$((waited + poll_sec))
done

mkdir -p "$mnt"
if ! mount -o rw LABEL=OEMDATA "$mnt"; then
  say err "mounting OEMDATA at $mnt failed;" \
    "cloud-init stays enabled and will retry on next boot"
  rm -f "$sem"
  exit 1
fi

say info "running hook.sh from OEMDATA"
OEM_MNT=$mnt sh "$mnt/hook.sh"
rc=$?
if [ "$rc" -eq 0 ] && touch "$disabled"; then
  say info "hook.sh succeeded; cloud-init disabled"
elif [ "$rc" -eq 0 ]; then
  rc=1
  say err "hook.sh succeeded but creating $disabled failed;" \
    "cloud-init will run again on next boot"
else
  say err "hook.sh failed with exit code $rc;" \
    "cloud-init stays enabled and will retry on next boot"
fi

[ "$rc" -eq 0 ] || rm -f "$sem"
sync
umount "$mnt" || say warning "unmounting $mnt failed"
exit "$rc"
