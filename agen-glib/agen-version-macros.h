/* agen-version-macros.h: which API a program may use, and what is exported
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(AGEN_INSIDE) && !defined(AGEN_COMPILATION)
#error "Only <agen-glib/agen.h> can be included directly."
#endif

#include <glib.h>

#include "agen-version.h"

/**
 * SECTION:agen-version-macros
 * @title: Availability and deprecation
 * @short_description: which API a program may use, and the version it runs with
 *
 * agen-glib keeps its API and ABI as GLib does. Every symbol is declared
 * with the version it appeared in (`AGEN_AVAILABLE_IN_1_0`) and, when it is
 * deprecated, the version that deprecated it and what replaces it
 * (`AGEN_DEPRECATED_IN_1_2_FOR (agen_other)`). A program may define, before
 * including `agen-glib/agen.h`:
 *
 * - `AGEN_VERSION_MIN_REQUIRED`, for instance to `AGEN_VERSION_1_0`: the
 *   oldest version it supports; it is warned of what was deprecated by then
 *   and not after (default: the version of the headers);
 * - `AGEN_VERSION_MAX_ALLOWED`: the newest version whose API it may use;
 *   it is warned when it uses anything newer (default: the version of the
 *   headers).
 *
 * `AGEN_DISABLE_DEPRECATION_WARNINGS` silences both. The versions are
 * encoded as GLib encodes its own (`G_ENCODE_VERSION`): `AGEN_VERSION_1_0` is 1.0.
 *
 * The `_agen_generator_*()` functions that the producer macros call (see
 * AGEN_BEGIN()) are part of the ABI, not of the API: programs compiled with
 * the macros call them, so they keep their signatures and meaning for the
 * life of the 1.x series, but only the macros may call them.
 *
 * The ABI of each release is recorded in the source tree
 * (`agen-glib/abi/`); the test command compares the library with it and
 * fails on an incompatible change (CONTRIBUTING.md says how to record a
 * deliberate one).
 */

/**
 * AGEN_VERSION_1_0:
 *
 * The version 1.0, for %AGEN_VERSION_MIN_REQUIRED and
 * %AGEN_VERSION_MAX_ALLOWED.
 *
 * Since: 1.0
 */
#define AGEN_VERSION_1_0 (G_ENCODE_VERSION (1, 0))

/**
 * AGEN_VERSION_CUR_STABLE:
 *
 * The version of the headers, encoded as %AGEN_VERSION_1_0 is.
 *
 * Since: 1.0
 */
#define AGEN_VERSION_CUR_STABLE (G_ENCODE_VERSION (AGEN_MAJOR_VERSION, AGEN_MINOR_VERSION))

/**
 * AGEN_VERSION_MIN_REQUIRED:
 *
 * Defined by a program, before it includes `agen-glib/agen.h`, to the oldest
 * agen-glib it supports: it is then warned of the API deprecated by that
 * version. Default: %AGEN_VERSION_CUR_STABLE.
 *
 * Since: 1.0
 */
#ifndef AGEN_VERSION_MIN_REQUIRED
#define AGEN_VERSION_MIN_REQUIRED (AGEN_VERSION_CUR_STABLE)
#elif AGEN_VERSION_MIN_REQUIRED == 0
#undef AGEN_VERSION_MIN_REQUIRED
#define AGEN_VERSION_MIN_REQUIRED (AGEN_VERSION_CUR_STABLE)
#endif

/**
 * AGEN_VERSION_MAX_ALLOWED:
 *
 * Defined by a program, before it includes `agen-glib/agen.h`, to the newest
 * agen-glib whose API it may use: it is then warned when it uses anything
 * newer. Default: %AGEN_VERSION_CUR_STABLE.
 *
 * Since: 1.0
 */
#ifndef AGEN_VERSION_MAX_ALLOWED
#define AGEN_VERSION_MAX_ALLOWED (AGEN_VERSION_CUR_STABLE)
#endif

#if AGEN_VERSION_MAX_ALLOWED < AGEN_VERSION_MIN_REQUIRED
#error "AGEN_VERSION_MAX_ALLOWED must be >= AGEN_VERSION_MIN_REQUIRED"
#endif
#if AGEN_VERSION_MIN_REQUIRED < AGEN_VERSION_1_0
#error "AGEN_VERSION_MIN_REQUIRED must be >= AGEN_VERSION_1_0"
#endif

/* The library is built with -fvisibility=hidden: only what carries one of
 * the AVAILABLE or DEPRECATED macros is exported. */
#if defined(AGEN_COMPILATION) && defined(__GNUC__)
#define _AGEN_EXTERN __attribute__ ((visibility ("default"))) extern
#else
#define _AGEN_EXTERN extern
#endif

/**
 * AGEN_DEPRECATED:
 *
 * Marks a declaration deprecated, with no replacement.
 *
 * Since: 1.0
 */
/**
 * AGEN_DEPRECATED_FOR:
 * @f: what replaces it
 *
 * Marks a declaration deprecated in favour of @f.
 *
 * Since: 1.0
 */
/**
 * AGEN_UNAVAILABLE:
 * @maj: the major version it appeared in
 * @min: the minor version it appeared in
 *
 * Marks a declaration newer than %AGEN_VERSION_MAX_ALLOWED.
 *
 * Since: 1.0
 */
#ifdef AGEN_DISABLE_DEPRECATION_WARNINGS
#define AGEN_DEPRECATED _AGEN_EXTERN
#define AGEN_DEPRECATED_FOR(f) _AGEN_EXTERN
#define AGEN_UNAVAILABLE(maj, min) _AGEN_EXTERN
#else
#define AGEN_DEPRECATED G_DEPRECATED _AGEN_EXTERN
#define AGEN_DEPRECATED_FOR(f) G_DEPRECATED_FOR (f) _AGEN_EXTERN
#define AGEN_UNAVAILABLE(maj, min) G_UNAVAILABLE (maj, min) _AGEN_EXTERN
#endif

/**
 * AGEN_AVAILABLE_IN_ALL:
 *
 * Marks a declaration available in every version.
 *
 * Since: 1.0
 */
#define AGEN_AVAILABLE_IN_ALL _AGEN_EXTERN

/**
 * AGEN_DEPRECATED_IN_1_0:
 *
 * Marks a declaration deprecated in 1.0.
 *
 * Since: 1.0
 */
/**
 * AGEN_DEPRECATED_IN_1_0_FOR:
 * @f: what replaces it
 *
 * Marks a declaration deprecated in 1.0 in favour of @f.
 *
 * Since: 1.0
 */
/**
 * AGEN_AVAILABLE_IN_1_0:
 *
 * Marks a declaration that appeared in 1.0.
 *
 * Since: 1.0
 */

#if AGEN_VERSION_MIN_REQUIRED >= AGEN_VERSION_1_0
#define AGEN_DEPRECATED_IN_1_0 AGEN_DEPRECATED
#define AGEN_DEPRECATED_IN_1_0_FOR(f) AGEN_DEPRECATED_FOR (f)
#else
#define AGEN_DEPRECATED_IN_1_0 _AGEN_EXTERN
#define AGEN_DEPRECATED_IN_1_0_FOR(f) _AGEN_EXTERN
#endif

#if AGEN_VERSION_MAX_ALLOWED < AGEN_VERSION_1_0
#define AGEN_AVAILABLE_IN_1_0 AGEN_UNAVAILABLE (1, 0)
#else
#define AGEN_AVAILABLE_IN_1_0 _AGEN_EXTERN
#endif

G_BEGIN_DECLS

AGEN_AVAILABLE_IN_1_0
guint        agen_get_major_version (void);
AGEN_AVAILABLE_IN_1_0
guint        agen_get_minor_version (void);
AGEN_AVAILABLE_IN_1_0
guint        agen_get_micro_version (void);
AGEN_AVAILABLE_IN_1_0
const char  *agen_check_version     (guint required_major,
                                     guint required_minor,
                                     guint required_micro);

G_END_DECLS
