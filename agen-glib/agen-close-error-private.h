/* agen-close-error-private.h: reporting a failed close that nobody awaits
 *
 * Included by the files that close a generator on their own: the object's
 * life (last unref), shutdown, the combinators, the list model.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "agen-close-error.h"

G_BEGIN_DECLS

void _agen_report_close_error   (AgenGenerator   *generator,
                                 const GError    *error,
                                 AgenCloseReason  reason);
void _agen_close_and_report     (AgenGenerator   *generator,
                                 AgenCloseReason  reason);

G_END_DECLS
