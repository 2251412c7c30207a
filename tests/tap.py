# tap.py: what the scripts that check whole programs share (tests/readme,
# tests/vala-strict): GLib's C flags, and a TAP report of the checks.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import shlex
import subprocess


def pkg_config(*args):
    """pkg-config's flags for gio-2.0, as a list: pkg_config('--cflags')."""
    return shlex.split(subprocess.run(['pkg-config', *args, 'gio-2.0'], capture_output=True,
                                      text=True, check=True).stdout)


def report(checks):
    """Runs each (name, check) of ``checks`` in order and prints TAP: a check
    returns None when it passes, else what went wrong. Returns the exit
    status: 1 when any failed."""
    print(f'1..{len(checks)}')
    failures = 0
    for number, (name, check) in enumerate(checks, 1):
        failure = check()
        if failure:
            failures += 1
            print(f'not ok {number} {name}')
            print('# ' + failure.replace('\n', '\n# '))
        else:
            print(f'ok {number} {name}')
    return 1 if failures else 0
