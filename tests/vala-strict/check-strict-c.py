#!/usr/bin/env python3
# Compiles what valac writes for every Vala program of the project with the
# warnings GCC 14 makes errors, and -Werror=discarded-qualifiers: meson
# compiles valac's C with -w, which hides both.
#
# check-strict-c.py --valac VALAC --cc CC [--vapidir DIR]... [--include DIR]...
#                   --program PKG,PKG:SOURCE,SOURCE ...
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import os
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import tap  # noqa: E402

STRICT = ['-Werror=incompatible-pointer-types', '-Werror=discarded-qualifiers']


def compile_program(args, packages, sources, cflags):
    with tempfile.TemporaryDirectory() as outdir:
        valac = [args.valac, '-C', '--target-glib=2.74', '--directory', outdir,
                 '--basedir', outdir]
        valac += [f'--vapidir={d}' for d in args.vapidir]
        valac += [f'--pkg={p}' for p in packages] + sources
        run = subprocess.run(valac, capture_output=True, text=True)
        if run.returncode != 0:
            return f'valac failed:\n{run.stderr}'
        generated = [f'{outdir}/{s.rsplit("/", 1)[-1][:-len(".vala")]}.c' for s in sources]
        cc = shlex.split(args.cc) + ['-fsyntax-only', '-std=gnu11'] + STRICT
        cc += [f'-I{d}' for d in args.include] + cflags + generated
        run = subprocess.run(cc, capture_output=True, text=True)
        if run.returncode != 0 or 'discards' in run.stderr:
            return f'{" ".join(cc)}\n{run.stderr}'
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--valac', required=True)
    parser.add_argument('--cc', required=True)
    parser.add_argument('--vapidir', action='append', default=[])
    parser.add_argument('--include', action='append', default=[])
    parser.add_argument('--program', action='append', required=True)
    args = parser.parse_args()

    cflags = tap.pkg_config('--cflags')
    checks = []
    for program in args.program:
        packages, sources = (part.split(',') for part in program.split(':'))
        name = ' '.join(s.rsplit('/', 1)[-1] for s in sources)
        checks.append((name, lambda p=packages, s=sources: compile_program(args, p, s, cflags)))
    return tap.report(checks)


if __name__ == '__main__':
    sys.exit(main())
