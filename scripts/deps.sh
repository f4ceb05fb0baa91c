#!/usr/bin/env bash
# Installs the Debian 12 packages uberhost builds and tests with, when any
# is missing. Safe to run again: it does nothing when all are present.
set -euo pipefail
pkgs=(build-essential cmake pkg-config clang clang-format libclang-rt-14-dev git
      libuv1-dev libcjson-dev libpng-dev libjpeg62-turbo-dev libisal-dev
      libjpeg-turbo-progs python3 imagemagick time util-linux locales)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "uberhost: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
