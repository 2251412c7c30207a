#!/bin/sh
# with-test-libraries.sh COMMAND [ARG...]: runs an installed test with the
# helper libraries and typelibs installed beside this script (libagen-test,
# libagen-example) found first.
here=$(dirname "$(readlink -f "$0")")
export GI_TYPELIB_PATH="$here${GI_TYPELIB_PATH:+:$GI_TYPELIB_PATH}"
export LD_LIBRARY_PATH="$here${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PYTHONDONTWRITEBYTECODE=1
export G_DEBUG="${G_DEBUG:-fatal-criticals}"
exec "$@"
