/* agen-macros.h: straight-line generator bodies
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(AGEN_INSIDE) && !defined(AGEN_COMPILATION)
#error "Only <agen-glib/agen.h> can be included directly."
#endif

#include "agen-generator.h"

/**
 * SECTION:agen-macros
 * @title: Straight-line bodies
 * @short_description: write a body as one function that yields and awaits
 *
 * A body is a continuation closure: it is called again at every resumption.
 * These macros turn it into a stackless coroutine, in the style of the code
 * Vala generates for async methods: the body reads top to bottom, and each
 * yield or await returns from the call and continues at the same place in the
 * next one. The place is kept with agen_generator_set_resume_point().
 *
 * |[<!-- language="C" -->
 * static void
 * count_body (AgenGenerator *self, gpointer user_data)
 * {
 *   Counter *c = user_data;   // state that lives across yields goes here
 *
 *   AGEN_BEGIN (self);
 *   for (c->i = 0; c->i < c->n; c->i++)
 *     AGEN_YIELD_INT (self, c->i);
 *   AGEN_END (self);
 * }
 * ]|
 *
 * The rules of stackless coroutines apply: local variables do not survive a
 * yield or an await (keep such state in @user_data), each macro stands on a
 * line of its own, and none stands inside a `switch` statement of the body.
 *
 * At a resumption where an error was thrown in (by
 * agen_generator_throw_async(), by agen_generator_close_async() or by a
 * cancellation) AGEN_YIELD() and AGEN_AWAIT() return at once, so the error
 * finishes the generator, as an uncaught exception does in Python.
 * AGEN_YIELD_CATCH() and AGEN_AWAIT_CATCH() hand it to the body instead.
 */

/* Resume points: the non-catching macros store even ones and the catching
 * macros odd ones, so that _agen_generator_enter() alone can tell, at the
 * top of the body, whether an error thrown in is caught where the body
 * continues. Folding that check into one call is a third of the producer
 * calls of an item. The line of the macro makes each point unique; 1 (the
 * odd point of line 0) is what enter() returns for an uncaught error.
 *
 * The four _agen_generator_*() functions below are what the macros expand
 * to: ABI, not API. Programs compiled with the macros call them, so they
 * keep their signatures and this encoding for the life of the 1.x series
 * (the manual's "Availability and deprecation" section), and the ABI check
 * covers them; only the macros may call them. */
#define _AGEN_RESUME_POINT(line)          (2 * (line))
#define _AGEN_RESUME_POINT_CATCHING(line) (2 * (line) + 1)
#define _AGEN_RESUME_POINT_CATCHES(point) ((point) % 2 == 1)
#define _AGEN_RESUME_UNCAUGHT             _AGEN_RESUME_POINT_CATCHING (0)

AGEN_AVAILABLE_IN_1_0
guint _agen_generator_enter           (AgenGenerator *self);
AGEN_AVAILABLE_IN_1_0
void  _agen_generator_yield_at        (AgenGenerator *self,
                                       const GValue  *item,
                                       guint          resume_point);
AGEN_AVAILABLE_IN_1_0
void  _agen_generator_yield_int_at    (AgenGenerator *self,
                                       gint           item,
                                       guint          resume_point);
AGEN_AVAILABLE_IN_1_0
void  _agen_generator_yield_string_at (AgenGenerator *self,
                                       const char    *item,
                                       guint          resume_point);

/* A yield that stores its own resume point, one call where a yield and
 * agen_generator_set_resume_point() would be two; see _AGEN_SUSPEND_AFTER(). */
#define _AGEN_YIELD_AT(self, yield_at, item)                                            \
  do                                                                                  \
    {                                                                                 \
      yield_at ((self), (item), _AGEN_RESUME_POINT (__LINE__));                       \
      return;                                                                         \
    case _AGEN_RESUME_POINT (__LINE__):;                                              \
    }                                                                                 \
  while (0)

/* Runs @call, which ends the body call in a yield or an await, and returns;
 * the next call continues just after this point. There, an error thrown in
 * that the body does not catch finishes the generator once the call returns
 * (AGEN_BEGIN() returns at once). */
#define _AGEN_SUSPEND_AFTER(self, call)                                                \
  do                                                                                  \
    {                                                                                 \
      (call);                                                                         \
      agen_generator_set_resume_point ((self), _AGEN_RESUME_POINT (__LINE__));        \
      return;                                                                         \
    case _AGEN_RESUME_POINT (__LINE__):;                                              \
    }                                                                                 \
  while (0)

/* The same, but the error thrown in at the resumption goes to @error. */
#define _AGEN_SUSPEND_AFTER_CATCH(self, call, error)                                   \
  do                                                                                  \
    {                                                                                 \
      (call);                                                                         \
      agen_generator_set_resume_point ((self), _AGEN_RESUME_POINT_CATCHING (__LINE__)); \
      return;                                                                         \
    case _AGEN_RESUME_POINT_CATCHING (__LINE__):                                      \
      agen_generator_catch ((self), (error));                                         \
    }                                                                                 \
  while (0)

/**
 * AGEN_BEGIN:
 * @self: the #AgenGenerator
 *
 * Starts a straight-line body. It must come before any other statement that
 * should run only once, and be matched by AGEN_END().
 *
 * Since: 1.0
 */
#define AGEN_BEGIN(self)                                                               \
  switch (_agen_generator_enter (self))                                                \
    {                                                                                 \
    case _AGEN_RESUME_UNCAUGHT:                                                        \
      return;                                                                         \
    case 0:

/**
 * AGEN_END:
 * @self: the #AgenGenerator
 *
 * Ends a straight-line body: reaching it finishes the generator normally, as
 * falling off the end of a Python async generator does.
 *
 * Since: 1.0
 */
#define AGEN_END(self)                                                                 \
      agen_generator_return (self);                                                   \
    }

/**
 * AGEN_YIELD:
 * @self: the #AgenGenerator
 * @item: (nullable): the #GValue to yield; it is copied
 *
 * Yields @item and suspends the body until the next resumption. An error
 * thrown in at that resumption finishes the generator.
 *
 * Since: 1.0
 */
#define AGEN_YIELD(self, item) \
  _AGEN_YIELD_AT (self, _agen_generator_yield_at, item)

/**
 * AGEN_YIELD_INT:
 * @self: the #AgenGenerator
 * @value: the integer to yield
 *
 * Yields the #gint @value, like AGEN_YIELD().
 *
 * Since: 1.0
 */
#define AGEN_YIELD_INT(self, value) \
  _AGEN_YIELD_AT (self, _agen_generator_yield_int_at, value)

/**
 * AGEN_YIELD_STRING:
 * @self: the #AgenGenerator
 * @value: (nullable): the string to yield; it is copied
 *
 * Yields the string @value, like AGEN_YIELD().
 *
 * Since: 1.0
 */
#define AGEN_YIELD_STRING(self, value) \
  _AGEN_YIELD_AT (self, _agen_generator_yield_string_at, value)

/**
 * AGEN_YIELD_CATCH:
 * @self: the #AgenGenerator
 * @item: (nullable): the #GValue to yield; it is copied
 * @error: a `GError **` that receives the error thrown in at the resumption,
 *   or stays %NULL
 *
 * Yields @item and suspends the body; an error thrown in at the resumption is
 * stored in @error instead of finishing the generator (Python's
 * `try: yield item except ...`).
 *
 * Since: 1.0
 */
#define AGEN_YIELD_CATCH(self, item, error) \
  _AGEN_SUSPEND_AFTER_CATCH (self, agen_generator_yield ((self), (item)), error)

/**
 * AGEN_AWAIT:
 * @self: the #AgenGenerator
 * @call: an `_async` call given `agen_generator_ready, agen_generator_await (self)`
 *   as its callback and user data
 *
 * Runs @call and suspends the body until it completes; the next call of the
 * body continues after this point, where agen_generator_get_result() is the
 * #GAsyncResult to give to the matching `_finish` function. A cancellation of
 * the current operation, delivered here, finishes the generator with
 * %G_IO_ERROR_CANCELLED.
 *
 * |[<!-- language="C" -->
 * AGEN_AWAIT (self, g_data_input_stream_read_line_async (
 *                       st->input, G_PRIORITY_DEFAULT,
 *                       agen_generator_get_cancellable (self),
 *                       agen_generator_ready, agen_generator_await (self)));
 * st->line = g_data_input_stream_read_line_finish_utf8 (
 *              st->input, agen_generator_get_result (self), NULL, &error);
 * ]|
 *
 * Since: 1.0
 */
#define AGEN_AWAIT(self, call) \
  _AGEN_SUSPEND_AFTER (self, call)

/**
 * AGEN_AWAIT_CATCH:
 * @self: the #AgenGenerator
 * @call: an `_async` call given `agen_generator_ready, agen_generator_await (self)`
 *   as its callback and user data
 * @error: a `GError **` that receives the cancellation delivered at this
 *   await, or stays %NULL
 *
 * Like AGEN_AWAIT(), but a cancellation delivered at the await is stored in
 * @error (then agen_generator_get_result() is %NULL) instead of finishing the
 * generator.
 *
 * Since: 1.0
 */
#define AGEN_AWAIT_CATCH(self, call, error) \
  _AGEN_SUSPEND_AFTER_CATCH (self, call, error)
