/* agen-schedule-private.h: calls at a generator's priority, never starved
 *
 * Included by the engine, which schedules a generator's work
 * (_agen_generator_schedule()), and by the files that wait for a time of
 * their own for a generator (the interval source, batch).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How long a ready call below G_PRIORITY_DEFAULT may wait before it is
 * raised to G_PRIORITY_DEFAULT. */
#define AGEN_SCHEDULE_GUARD_USEC 2000

GSource *_agen_call_source_new (int             priority,
                                const char     *name,
                                GSourceFunc     func,
                                gpointer        data,
                                GDestroyNotify  destroy);
void     _agen_call_attach     (GSource        *call,
                                GMainContext   *context);

G_END_DECLS
