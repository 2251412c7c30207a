/* agen-close-error-private.h: reporting a failed close that nobody awaits
 *
 * Included by the files that close a generator by themselves and report
 * the failure: the consumer face (a close on last unref, or for a consumer
 * that stopped: _agen_generator_close_and_report()), shutdown, collect.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "agen-close-error.h"

G_BEGIN_DECLS

void _agen_report_close_error (AgenGenerator   *generator,
                               const GError    *error,
                               AgenCloseReason  reason);

G_END_DECLS
