#!/usr/bin/env bash
# Installs the system packages hubpat's tests and demo use, on Debian/Ubuntu. Safe to run again: it installs
# only what is missing. Needs root (or sudo). Everything else comes from npm (`npm ci`), Node 24 included.
#   gnome-keyring, dbus, libsecret-tools  a real Secret Service for the keychain tests and the demo
#   docker-registry, apache2-utils        a real registry (with htpasswd auth) for `docker login` tests
#   golang-docker-credential-helpers     Docker's own Go helper, the benchmark's and the tests' baseline
#   docker.io                            only if no `docker` CLI is installed yet (the tests need the client)
#   tmux                                 the interactive terminal test; hyperfine for `npm run bench`
#   binutils                             `strip` for the Node executable the benchmark builds (package.mjs --runtime node)
#   keepassxc                            a second Secret Service provider (run offscreen) for the keychain tests
#   pass, gnupg, keyutils                the pass store (real gpg, throwaway GNUPGHOME) and the kernel keyring
#   faketime                             the date-sensitive suites under shifted clocks (2025 and 2035)
#   dpkg-dev, lintian, man-db            the .deb release artifact, its lint, and `man -w` of the installed pages
#   zsh, fish                            the completion tests in real shells
#   gcc                                  a planted native module (test/security/executable.test.ts) that says if it is loaded
#   bash-completion                      the .deb test loads hub-tokens' completion from where Debian keeps it
set -euo pipefail
packages=(gnome-keyring dbus dbus-bin libsecret-tools docker-registry apache2-utils golang-docker-credential-helpers tmux hyperfine binutils
  keepassxc pass gnupg keyutils faketime dpkg-dev lintian man-db zsh fish gcc bash-completion)
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
