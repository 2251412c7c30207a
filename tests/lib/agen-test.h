/* agen-test.h: libagen-test, shared by the tests of every language
 *
 * A log, a gate (an awaitable operation the test opens), reference bodies
 * and a consumer written in C. Each body has a twin written as a Python
 * async generator in the Python tests; their outcomes and logs are
 * compared. This is the AgenTest GIR; what only C tests use is
 * agen-test-harness.h. Not installed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <agen-glib/agen.h>

G_BEGIN_DECLS

#define AGEN_TEST_TYPE_LOG (agen_test_log_get_type ())
G_DECLARE_FINAL_TYPE (AgenTestLog, agen_test_log, AGEN_TEST, LOG, GObject)

AgenTestLog   *agen_test_log_new           (void);
void           agen_test_log_append        (AgenTestLog   *self,
                                            const char    *entry);
char         **agen_test_log_dup_entries   (AgenTestLog   *self);
void           agen_test_log_clear         (AgenTestLog   *self);

#define AGEN_TEST_TYPE_GATE (agen_test_gate_get_type ())
G_DECLARE_FINAL_TYPE (AgenTestGate, agen_test_gate, AGEN_TEST, GATE, GObject)

AgenTestGate  *agen_test_gate_new          (void);
void           agen_test_gate_open         (AgenTestGate  *self);
void           agen_test_gate_leave_open   (AgenTestGate  *self);
guint          agen_test_gate_get_n_waiters (AgenTestGate *self);
guint          agen_test_gate_get_n_cancelled (AgenTestGate *self);
void           agen_test_gate_wait_async   (AgenTestGate        *self,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
void           agen_test_gate_wait_ignoring_cancel_async (AgenTestGate        *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean       agen_test_gate_wait_finish  (AgenTestGate  *self,
                                            GAsyncResult  *result,
                                            GError       **error);

AgenGenerator *agen_test_counter           (gint           n,
                                            AgenTestLog   *log);
AgenGenerator *agen_test_echo              (AgenTestLog   *log);
AgenGenerator *agen_test_catcher           (gint           n,
                                            AgenTestLog   *log);
AgenGenerator *agen_test_cleanup_awaits    (gint           n,
                                            AgenTestGate  *gate,
                                            AgenTestLog   *log);
AgenGenerator *agen_test_yields_in_close   (gint           n,
                                            AgenTestLog   *log);
AgenGenerator *agen_test_raises_in_cleanup (gint           n,
                                            AgenTestLog   *log);
AgenGenerator *agen_test_gated             (gint           n,
                                            AgenTestGate  *gate,
                                            AgenTestLog   *log);

void           agen_test_clock_use_manual   (gboolean        manual);
gboolean       agen_test_clock_advance      (void);
gint64         agen_test_clock_now_ms       (void);
AgenGenerator *agen_test_timed_source       (const gint     *script,
                                             guint           n_script,
                                             gint            error_code,
                                             AgenTestLog    *log);
AgenGenerator *agen_test_threaded          (const char    *body,
                                            gint           n,
                                            AgenTestLog   *log);
guint          agen_test_get_n_threaded_alive (void);
AgenGenerator *agen_test_async_function    (const char    *body,
                                            gint           n,
                                            AgenTestLog   *log);

void           agen_test_consume_all_async  (AgenGenerator       *generator,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
char         **agen_test_consume_all_finish (AgenGenerator       *generator,
                                             GAsyncResult        *result,
                                             GError             **error);

G_END_DECLS
