/* search-driver.h: agen-search driven as a user would, to check it or to time it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "search-window.h"

G_BEGIN_DECLS

void search_self_test_init           (void);
void search_self_test_start          (SearchWindow *window,
                                      const char   *case_name,
                                      GFile        *folder);
int  search_self_test_finish         (int           status);

void search_bench_start              (SearchWindow *window,
                                      const char   *query);
int  search_bench_run_without_window (const char   *query,
                                      const char   *folder);

void search_screenshot_start         (SearchWindow *window,
                                      const char   *query,
                                      const char   *path);

G_END_DECLS
