#!/bin/sh
# check-parent.sh SOURCE_ROOT SCRATCH_DIR: builds and tests tests/subproject/parent
# with this checkout as its subprojects/agen-glib, from an empty directory.
set -eu
source_root=$1
scratch=$2
rm -rf "$scratch"
mkdir -p "$scratch/subprojects"
cp "$source_root"/tests/subproject/parent/* "$scratch/"
ln -s "$source_root" "$scratch/subprojects/agen-glib"
cd "$scratch"
for library in shared static; do
  meson setup "build-$library" -Ddefault_library=$library >"setup-$library.log" 2>&1 ||
    { cat "setup-$library.log"; exit 1; }
  # Only the parent's programs and what they need: none of agen-glib's
  # tests or examples.
  if grep -q "test-consumer\|agen-search\|agen-bench" "build-$library/build.ninja"; then
    echo "the subproject built its tests or examples ($library)" >&2
    exit 1
  fi
  meson test -C "build-$library" --print-errorlogs
done
