#!/usr/bin/env bash
# Installs the system packages hubpat's tests and demo use, on Debian/Ubuntu. Safe to run again: it installs
# only what is missing. Needs root (or sudo). Everything else comes from npm (`npm ci`), Node 24 included.
#   gnome-keyring, dbus, libsecret-tools  a real Secret Service for the keychain tests and the demo
#   docker-registry, apache2-utils        a real registry (with htpasswd auth) for `docker login` tests
#   golang-docker-credential-helpers     Docker's own Go helper, the benchmark's and the tests' baseline
#   docker.io                            only if no `docker` CLI is installed yet (the tests need the client)
#   tmux                                 the interactive terminal test; hyperfine for `npm run bench`
#   binutils                             `strip` for `npm run package` (the single executable: 18 MB less)
set -euo pipefail
packages=(gnome-keyring dbus dbus-bin libsecret-tools docker-registry apache2-utils golang-docker-credential-helpers tmux hyperfine binutils)
command -v docker >/dev/null 2>&1 || packages+=(docker.io)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup-machine: run as root to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup-machine: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the registry as a system service on :5000; the tests start their own on free ports.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker-registry 2>/dev/null; then
  $sudo systemctl stop docker-registry || true
fi
