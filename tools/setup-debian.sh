#!/bin/sh
# Installs the Debian 12 packages agen-glib needs, only those that are missing.
# Sourced by tools/run-demo and tools/run-tests; run it alone to prepare a machine.
set -eu

AGEN_PACKAGES="
  build-essential pkg-config meson ninja-build
  libglib2.0-dev libglib2.0-bin
  gobject-introspection libgirepository1.0-dev
  valac gjs python3-gi python3-pytest python3-gbulb python3-hypothesis
  libpython3.11-testsuite
  gtk-doc-tools docbook-xml docbook-xsl xsltproc
  valgrind gnuplot-nox
  clang libclang-rt-14-dev
  libgtk-4-dev gir1.2-gtk-4.0 xvfb xauth dbus-daemon
  gnome-desktop-testing abigail-tools
"

agen_missing_packages () {
  for package in $AGEN_PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    case "$status" in
      *"install ok installed"*) ;;
      *) printf '%s\n' "$package" ;;
    esac
  done
}

missing=$(agen_missing_packages)
if [ -n "$missing" ]; then
  echo "Installing Debian packages:" $missing
  if [ "$(id -u)" = 0 ]; then
    sudo=
  elif command -v sudo >/dev/null 2>&1; then
    sudo=sudo
  else
    echo "These packages are missing and I am not root: $missing" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  # shellcheck disable=SC2086
  $sudo apt-get install -y --no-install-recommends $missing
fi
