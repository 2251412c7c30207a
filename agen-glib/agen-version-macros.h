/* agen-version-macros.h: symbol visibility for agen-glib
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(AGEN_INSIDE) && !defined(AGEN_COMPILATION)
#error "Only <agen-glib/agen.h> can be included directly."
#endif

/* The library is built with -fvisibility=hidden: only what carries one of these
 * macros is exported. */
#if defined(AGEN_COMPILATION) && defined(__GNUC__)
#define _AGEN_EXTERN __attribute__ ((visibility ("default"))) extern
#else
#define _AGEN_EXTERN extern
#endif

#define AGEN_AVAILABLE_IN_ALL _AGEN_EXTERN
