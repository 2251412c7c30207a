/* test-vala-body.vala: generators written in Vala, as lambda bodies.
 *
 * A body is a continuation closure: it is called at every resumption and
 * ends each call in exactly one of gen.yield (...), gen.return (),
 * gen.raise (...) or an await (gen.suspend ()). What lives across calls is
 * captured by the lambda; gen.get_resume_point () says where to go on.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

using Harness;

/* async def strings(items, log):
 *     try:
 *         for s in items:
 *             yield s
 *     finally:
 *         log.append("cleanup")
 */
Agen.Generator strings (owned string[] items, AgenTest.Log log) {
	int i = 0;                        /* locals captured by the lambda live across calls */
	return new Agen.Generator ((gen) => {
		if (gen.get_resume_point () == 0) {
			gen.defer (() => log.append ("cleanup"));
			gen.set_resume_point (1);
		} else if (gen.peek_error () != null) {
			return;                   /* a thrown error propagates */
		}
		if (i < items.length)
			gen.yield_string (items[i++]);
		else
			gen.return ();
	});
}

/* async def gated(n, gate, log, catch_cancel):
 *     try:
 *         for i in range(n):
 *             try:
 *                 await gate.wait()
 *             except CancelledError:
 *                 if not catch_cancel: raise
 *                 log.append("cancelled")
 *                 yield -1
 *                 continue
 *             yield i
 *     finally:
 *         log.append("cleanup")
 *
 * The await: gen.suspend () ends the body call; the callback of the awaited
 * operation calls gen.resume (id, result), which calls the body again with
 * gen.get_result () == result.
 */
/* Where the body of gated() goes on: its resume points. */
enum Step {
	START,                            /* 0: the first call */
	AWAITED,
	YIELDED
}

Agen.Generator gated (int n, AgenTest.Gate gate, AgenTest.Log log, bool catch_cancel = false) {
	int i = 0;

	return new Agen.Generator ((gen) => {
		switch ((Step) gen.get_resume_point ()) {
		case Step.START:
			gen.defer (() => log.append ("cleanup"));
			break;
		case Step.AWAITED:
			unowned AsyncResult? result = gen.get_result ();
			if (result == null) {
				/* The await was cancelled: CANCELLED is thrown in. */
				var cancelled = catch_cancel ? gen.catch_error () : null;
				if (cancelled == null)
					return;           /* propagates */
				assert (cancelled is IOError.CANCELLED);
				log.append ("cancelled");
				gen.set_resume_point (Step.YIELDED);
				gen.yield_int (-1);
				return;
			}
			try {
				gate.wait_async.end (result);
			} catch (Error e) {
				gen.raise (e);
				return;
			}
			gen.set_resume_point (Step.YIELDED);
			gen.yield_int (i);
			return;
		case Step.YIELDED:
			if (gen.peek_error () != null)
				return;
			i++;
			break;
		}

		if (i >= n) {
			gen.return ();
			return;
		}
		uint await_id = gen.suspend ();
		gate.wait_async.begin (gen.get_cancellable (), (obj, res) => gen.resume (await_id, res));
		gen.set_resume_point (Step.AWAITED);
	});
}

/* async def running_total():
 *     total = 0
 *     while True:
 *         total += (yield total) or 0
 */
Agen.Generator running_total () {
	int total = 0;
	return new Agen.Generator ((gen) => {
		if (gen.get_resume_point () != 0) {
			if (gen.peek_error () != null)
				return;
			unowned Value? sent = gen.get_sent ();
			if (sent != null)
				total += sent.get_int ();
		}
		gen.set_resume_point (1);
		gen.yield_int (total);
	});
}

/* async def catcher(n, log):
 *     for i in range(n):
 *         try:
 *             yield i
 *         except GLib.Error as e:   # not GeneratorExit
 *             log.append("caught " + e.message)
 */
Agen.Generator catcher (int n, AgenTest.Log log) {
	int i = 0;
	return new Agen.Generator ((gen) => {
		if (gen.get_resume_point () != 0) {
			var thrown = gen.catch_error ();
			if (thrown is Agen.Error.EXIT) {
				gen.raise ((owned) thrown);
				return;
			}
			if (thrown != null)
				log.append ("caught " + thrown.message);
			i++;
		}
		gen.set_resume_point (1);
		if (i < n) {
			var item = Value (typeof (int));
			item.set_int (i);
			gen.yield (item);
		} else {
			gen.return ();
		}
	});
}

/* A Vala body consumed in C by AgenTest.consume_all_async (). */
async void test_consumed_by_c () throws Error {
	var log = new AgenTest.Log ();
	var gen = strings ({ "a", "b", "c" }, log);
	var items = yield consume_all (gen);
	assert_strv (items, { "a", "b", "c" });
	assert_log (log, { "cleanup" });
	assert_state (gen, Agen.GeneratorState.FINISHED);
}

/* The same body consumed in Vala; closing it runs the deferred lambda. */
async void test_consumed_by_vala () throws Error {
	var log = new AgenTest.Log ();
	var gen = strings ({ "x", "y", "z" }, log);
	Value item;

	assert (yield gen.next_async (null, out item));
	assert_string (item, "x");
	assert (yield gen.next_async (null, out item));
	assert_string (item, "y");
	assert_log (log, {});
	assert (yield gen.close_async ());
	assert_log (log, { "cleanup" });
	assert (!yield gen.next_async (null, out item));

	/* Dropped when suspended: closed on the last unref. */
	log.clear ();
	gen = strings ({ "x", "y" }, log);
	assert (yield gen.next_async (null, out item));
	gen = null;
	yield wait_for (() => log.dup_entries ().length == 1);
	assert_log (log, { "cleanup" });

	/* Never started: nothing runs. */
	log.clear ();
	gen = strings ({ "x" }, log);
	gen = null;
	yield idle ();
	assert_log (log, {});
}

/* A Vala body that awaits with gen.suspend ()/gen.resume (), consumed by C. */
async void test_await_consumed_by_c () throws Error {
	var log = new AgenTest.Log ();
	var gate = new AgenTest.Gate ();
	var gen = gated (3, gate, log);
	uint opener = Timeout.add (1, () => {
		gate.open ();
		return Source.CONTINUE;
	});
	var items = yield consume_all (gen);
	Source.remove (opener);
	assert_strv (items, { "0", "1", "2" });
	assert_log (log, { "cleanup" });
}

/* Cancelling the operation while the Vala body awaits: the body is resumed
 * with CANCELLED thrown in; uncaught, the operation fails with it. */
async void test_await_cancelled () throws Error {
	var log = new AgenTest.Log ();
	var gate = new AgenTest.Gate ();
	var gen = gated (3, gate, log);
	var cancellable = new Cancellable ();
	Value item;

	uint canceller = Timeout.add (1, () => {
		if (gate.get_n_waiters () == 0)
			return Source.CONTINUE;
		cancellable.cancel ();
		return Source.REMOVE;
	});
	try {
		yield gen.next_async (cancellable, out item);
		assert_not_reached ();
	} catch (IOError.CANCELLED e) {
	}
	assert (MainContext.default ().find_source_by_id (canceller) == null);
	assert_log (log, { "cleanup" });
	assert_state (gen, Agen.GeneratorState.FINISHED);
	assert (gate.get_n_waiters () == 0);
	/* A late resume with the stale id is ignored. */
	assert (!yield gen.next_async (null, out item));
}

/* ... caught, the body yields: the operation gives that item. */
async void test_await_cancel_caught () throws Error {
	var log = new AgenTest.Log ();
	var gate = new AgenTest.Gate ();
	var gen = gated (2, gate, log, true);
	var cancellable = new Cancellable ();
	Value item;

	uint canceller = Timeout.add (1, () => {
		if (gate.get_n_waiters () == 0)
			return Source.CONTINUE;
		cancellable.cancel ();
		return Source.REMOVE;
	});
	assert (yield gen.next_async (cancellable, out item));
	assert_int (item, -1);
	assert (MainContext.default ().find_source_by_id (canceller) == null);
	assert_log (log, { "cancelled" });

	uint opener = Timeout.add (1, () => {
		gate.open ();
		return Source.CONTINUE;
	});
	assert (yield gen.next_async (null, out item));
	assert_int (item, 1);
	assert (!yield gen.next_async (null, out item));
	Source.remove (opener);
	assert_log (log, { "cancelled", "cleanup" });
}

/* A Vala body that reads what is sent. */
async void test_sent () throws Error {
	var gen = running_total ();
	Value item;
	var v = Value (typeof (int));

	assert (yield gen.next_async (null, out item));
	assert_int (item, 0);
	v.set_int (5);
	assert (yield gen.send_async (v, null, out item));
	assert_int (item, 5);
	v.set_int (10);
	assert (yield gen.send_async (v, null, out item));
	assert_int (item, 15);
	assert (yield gen.next_async (null, out item));
	assert_int (item, 15);
	assert (yield gen.close_async ());
	assert_state (gen, Agen.GeneratorState.FINISHED);
}

/* A Vala body that catches what is thrown in, and lets close through. */
async void test_catch () throws Error {
	var log = new AgenTest.Log ();
	var gen = catcher (5, log);
	Value item;

	assert (yield gen.next_async (null, out item));
	assert_int (item, 0);
	assert (yield gen.throw_async (new IOError.FAILED ("boom"), null, out item));
	assert_int (item, 1);
	assert_log (log, { "caught boom" });
	assert (yield gen.close_async ());
	assert_state (gen, Agen.GeneratorState.FINISHED);
	assert_log (log, { "caught boom" });
}

/* A Vala body that raises: C's consumer fails with its error. */
async void test_raise () throws Error {
	int calls = 0;
	var gen = new Agen.Generator ((g) => {
		if (calls++ == 0)
			g.yield_string ("first");
		else
			g.raise (new IOError.FAILED ("vala body failed"));
	});
	try {
		yield consume_all (gen);
		assert_not_reached ();
	} catch (IOError.FAILED e) {
		assert (e.message == "vala body failed");
	}
	assert (calls == 2);
	assert_state (gen, Agen.GeneratorState.FINISHED);
}

/* foreach_async over a Vala body: stopping early closes it. */
async void test_foreach () throws Error {
	var log = new AgenTest.Log ();
	var gen = strings ({ "a", "b", "c", "d" }, log);
	string[] seen = {};
	assert (yield gen.foreach_async ((g, item) => {
		seen += item.get_string ();
		return seen.length < 2;
	}));
	assert_strv (seen, { "a", "b" });
	assert_log (log, { "cleanup" });
}

/* A Vala body driven from outside (semantics.xml,
 * contract-producer-resume-yield): resume_yield () ends its await with an
 * item; a C consumer asks for the next one in its reply, and the body is
 * not called for it. */
async void test_resume_yield () throws Error {
	int calls = 0;
	uint await_id = 0;
	bool finish = false;
	var gen = new Agen.Generator ((gen) => {
		calls++;
		if (finish || gen.peek_error () != null) {
			gen.return ();
			return;
		}
		await_id = gen.suspend ();
	});
	int next = 0;
	Timeout.add (1, () => {
		if (await_id == 0)
			return Source.CONTINUE;
		if (next == 3) {
			finish = true;
			gen.resume (await_id, null);
			return Source.REMOVE;
		}
		var item = Value (typeof (int));
		item.set_int (next++);
		await_id = gen.resume_yield (await_id, item);
		assert (await_id != 0);
		assert (calls == 1);
		return Source.CONTINUE;
	});
	var items = yield consume_all (gen);
	assert_strv (items, { "0", "1", "2" });
	assert (calls == 2);
}

int main (string[] args) {
	Test.init (ref args);
	add ("/vala/body/consumed-by-c", (cb) => test_consumed_by_c.begin (cb), (r) => test_consumed_by_c.end (r));
	add ("/vala/body/consumed-by-vala", (cb) => test_consumed_by_vala.begin (cb), (r) => test_consumed_by_vala.end (r));
	add ("/vala/body/await-consumed-by-c", (cb) => test_await_consumed_by_c.begin (cb), (r) => test_await_consumed_by_c.end (r));
	add ("/vala/body/await-cancelled", (cb) => test_await_cancelled.begin (cb), (r) => test_await_cancelled.end (r));
	add ("/vala/body/await-cancel-caught", (cb) => test_await_cancel_caught.begin (cb), (r) => test_await_cancel_caught.end (r));
	add ("/vala/body/sent", (cb) => test_sent.begin (cb), (r) => test_sent.end (r));
	add ("/vala/body/catch", (cb) => test_catch.begin (cb), (r) => test_catch.end (r));
	add ("/vala/body/raise", (cb) => test_raise.begin (cb), (r) => test_raise.end (r));
	add ("/vala/body/foreach", (cb) => test_foreach.begin (cb), (r) => test_foreach.end (r));
	add ("/vala/body/resume-yield", (cb) => test_resume_yield.begin (cb), (r) => test_resume_yield.end (r));
	return Test.run ();
}
