/* agen-error.c: the AGEN_ERROR domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-error.h"

/**
 * SECTION:agen-error
 * @title: Errors
 * @short_description: the errors agen-glib reports
 *
 * Errors from a generator's body reach the consumer unchanged. The
 * %AGEN_ERROR domain holds the errors agen-glib itself reports: the request to
 * finish that agen_generator_close_async() throws in, and the calls it
 * refuses.
 */

/**
 * agen_error_quark:
 *
 * The quark of the %AGEN_ERROR domain.
 *
 * Returns: the error domain of agen-glib
 *
 * Since: 1.0
 */
G_DEFINE_QUARK (agen-error-quark, agen_error)
