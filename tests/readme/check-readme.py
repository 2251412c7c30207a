#!/usr/bin/env python3
# Every C, Python, JavaScript and Vala block of README.md is a complete
# program: this compiles and runs each against the uninstalled build, and
# checks that it exits 0 and prints something, with no warning.
#
# check-readme.py README --cc CC --valac VALAC --python PYTHON --gjs GJS
#                 --include DIR... --libdir DIR --vapidir DIR
# (the environment gives GI_TYPELIB_PATH, LD_LIBRARY_PATH, PYTHONPATH and
# GJS_PATH for the bindings)
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import tap  # noqa: E402

LANGUAGES = {'c': '.c', 'python': '.py', 'js': '.js', 'vala': '.vala'}


def blocks(readme):
    for match in re.finditer(r'^```(\w+)\n(.*?)^```', readme, re.M | re.S):
        if match.group(1) in LANGUAGES:
            line = readme.count('\n', 0, match.start()) + 1
            yield match.group(1), line, match.group(2)


def commands(args, language, source, outdir):
    program = os.path.join(outdir, 'program')
    if language == 'c':
        return [shlex.split(args.cc) + ['-std=gnu11', '-Wall', '-Werror', '-o', program, source]
                + [f'-I{d}' for d in args.include] + tap.pkg_config('--cflags')
                + [f'-L{args.libdir}', '-lagen-glib-1.0'] + tap.pkg_config('--libs'),
                [program]]
    if language == 'vala':
        return [[args.valac, '--target-glib=2.74', f'--vapidir={args.vapidir}', '--pkg=gio-2.0',
                 '--pkg=agen-glib-1.0', '-o', program, source,
                 *[flag for d in args.include for flag in ('-X', f'-I{d}')],
                 '-X', f'-L{args.libdir}', '-X', '-lagen-glib-1.0'],
                [program]]
    if language == 'python':
        return [[args.python, source]]
    return [[args.gjs, '-m', source]]


def check(args, language, text):
    with tempfile.TemporaryDirectory() as outdir:
        source = os.path.join(outdir, 'program' + LANGUAGES[language])
        with open(source, 'w') as f:
            f.write(text)
        output = ''
        for command in commands(args, language, source, outdir):
            run = subprocess.run(command, capture_output=True, text=True, timeout=60)
            output = run.stdout + run.stderr
            if run.returncode != 0:
                return f'{" ".join(command)} exited {run.returncode}:\n{output}'
        if not run.stdout.strip():
            return f'printed nothing:\n{output}'
        if re.search(r'WARNING|CRITICAL|Error', run.stderr):
            return f'warned:\n{run.stderr}'
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('readme')
    for option in ('cc', 'valac', 'python', 'gjs', 'libdir', 'vapidir'):
        parser.add_argument('--' + option, required=True)
    parser.add_argument('--include', action='append', default=[])
    args = parser.parse_args()

    with open(args.readme) as f:
        found = list(blocks(f.read()))
    return tap.report([(f'README.md:{line} ({language})',
                        lambda language=language, text=text: check(args, language, text))
                       for language, line, text in found])


if __name__ == '__main__':
    sys.exit(main())
