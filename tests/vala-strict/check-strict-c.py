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
import shlex
import subprocess
import sys
import tempfile

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

    cflags = shlex.split(subprocess.run(['pkg-config', '--cflags', 'gio-2.0'],
                                        capture_output=True, text=True,
                                        check=True).stdout)
    print(f'1..{len(args.program)}')
    failures = 0
    for number, program in enumerate(args.program, 1):
        packages, sources = (part.split(',') for part in program.split(':'))
        name = ' '.join(s.rsplit('/', 1)[-1] for s in sources)
        failure = compile_program(args, packages, sources, cflags)
        if failure:
            failures += 1
            print(f'not ok {number} {name}')
            print('# ' + failure.replace('\n', '\n# '))
        else:
            print(f'ok {number} {name}')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
