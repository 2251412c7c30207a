/* agen-error.h: the AGEN_ERROR domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(AGEN_INSIDE) && !defined(AGEN_COMPILATION)
#error "Only <agen-glib/agen.h> can be included directly."
#endif

#include <glib.h>

#include "agen-version-macros.h"

G_BEGIN_DECLS

/**
 * AGEN_ERROR:
 *
 * The error domain of agen-glib. Errors in it use the codes of #AgenError.
 *
 * Since: 1.0
 */
#define AGEN_ERROR (agen_error_quark ())

/**
 * AgenError:
 * @AGEN_ERROR_EXIT: thrown into a body by agen_generator_close_async(): the
 *   generator is asked to finish (Python's `GeneratorExit`).
 * @AGEN_ERROR_IGNORED_EXIT: the body yielded while it was being closed
 *   (Python's `RuntimeError: async generator ignored GeneratorExit`).
 * @AGEN_ERROR_NOT_STARTED: a value was sent to a generator that has not
 *   started (Python's `TypeError: can't send non-None value to a just-started
 *   async generator`).
 * @AGEN_ERROR_WRONG_CONTEXT: the generator was used outside the
 *   #GMainContext it belongs to.
 * @AGEN_ERROR_INVALID_BODY: a body call returned without yielding,
 *   returning, raising or awaiting.
 *
 * The codes of the %AGEN_ERROR domain.
 *
 * Since: 1.0
 */
typedef enum
{
  AGEN_ERROR_EXIT,
  AGEN_ERROR_IGNORED_EXIT,
  AGEN_ERROR_NOT_STARTED,
  AGEN_ERROR_WRONG_CONTEXT,
  AGEN_ERROR_INVALID_BODY,
} AgenError;

AGEN_AVAILABLE_IN_1_0
GQuark agen_error_quark (void);

G_END_DECLS
