/* agen-timer-private.h: the clock and the timers of the time operators
 *
 * Included by agen-timer.c, which implements it, and by the files that wait
 * for a time of their own through it (agen-combinators-time.c). Every
 * deadline is on the clock of _agen_clock_get_time(): the monotonic clock,
 * or a manual one the tests advance (so a test of debounce does not sleep).
 * The three _agen_clock_ calls below are exported for tests/lib only
 * (_AGEN_EXTERN: exported, but not API; they may change with any release).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "agen-version-macros.h"

G_BEGIN_DECLS

/* A GSource that calls its callback once its deadline is reached, then
 * disarms itself until it is given another: one source for the life of an
 * operator, however many deadlines it moves through. */
GSource  *_agen_timer_new                    (GMainContext *context,
                                              int           priority,
                                              const char   *name,
                                              GSourceFunc   func,
                                              gpointer      data,
                                              GDestroyNotify destroy);
/* A time of _agen_clock_get_time(); -1 disarms it. */
void      _agen_timer_set_deadline           (GSource      *timer,
                                              gint64        deadline_us);
void      _agen_timer_fire_now               (GSource      *timer);
void      _agen_timer_destroy                (GSource      *timer);

/* Now, in microseconds: g_get_monotonic_time(), or the manual clock. */
_AGEN_EXTERN
gint64    _agen_clock_get_time               (void);
/* Replaces the monotonic clock by a manual one (from the current time),
 * which only _agen_clock_advance_to_next_timer() moves; %FALSE goes back. */
_AGEN_EXTERN
void      _agen_clock_set_manual             (gboolean      manual);
/* With the manual clock: moves it to the earliest armed deadline and makes
 * that timer ready (it is dispatched by its context); %FALSE when no timer
 * is armed. */
_AGEN_EXTERN
gboolean  _agen_clock_advance_to_next_timer  (void);

G_END_DECLS
