/* test-consume.vala: consuming C generators from Vala with next_async,
 * next_now, foreach_async and shutdown_async.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

using Harness;

/* while (yield gen.next_async (null, out item)): every item, then the end. */
async void test_while_yield () throws Error {
	var log = new AgenTest.Log ();
	var gen = AgenTest.counter (3, log);
	assert_state (gen, Agen.GeneratorState.CREATED);

	int[] items = {};
	Value item;
	while (yield gen.next_async (null, out item)) {
		assert_state (gen, Agen.GeneratorState.SUSPENDED);
		assert (item.holds (Type.INT));
		items += item.get_int ();
	}
	assert_no_item (item);
	assert (items.length == 3);
	for (int i = 0; i < 3; i++)
		assert (items[i] == i);
	assert_state (gen, Agen.GeneratorState.FINISHED);
	assert_log (log, { "cleanup" });

	/* Finished: every later next is FALSE without an error. */
	assert (!yield gen.next_async (null, out item));
	assert (!yield gen.next_async (null, out item));
	assert_log (log, { "cleanup" });
}

/* A fresh out variable at each call, and items of other types. */
async void test_fresh_out_values () throws Error {
	var log = new AgenTest.Log ();
	var gen = AgenTest.counter (2, log);

	Value a;
	assert (yield gen.next_async (null, out a));
	Value b;
	assert (yield gen.next_async (null, out b));
	assert_int (a, 0);
	assert_int (b, 1);
	Value c;
	assert (!yield gen.next_async (null, out c));
	assert_no_item (c);
	assert_log (log, { "cleanup" });
}

/* The state property notifies. */
async void test_state_notifies () throws Error {
	var log = new AgenTest.Log ();
	var gen = AgenTest.counter (1, log);
	Agen.GeneratorState[] seen = {};
	gen.notify["state"].connect (() => { seen += gen.state; });

	Value item;
	assert (yield gen.next_async (null, out item));
	assert (!yield gen.next_async (null, out item));
	assert (seen.length == 4);
	assert (seen[0] == Agen.GeneratorState.RUNNING);
	assert (seen[1] == Agen.GeneratorState.SUSPENDED);
	assert (seen[2] == Agen.GeneratorState.RUNNING);
	assert (seen[3] == Agen.GeneratorState.FINISHED);
}

/* A second operation while one is in flight is refused with PENDING and
 * changes nothing. */
async void test_pending () throws Error {
	var log = new AgenTest.Log ();
	var gate = new AgenTest.Gate ();
	var gen = AgenTest.gated (2, gate, log);

	bool first_done = false;
	Value first = Value (typeof (int));
	Error? first_error = null;
	gen.next_async.begin (null, (obj, res) => {
		try {
			if (!gen.next_async.end (res, out first))
				first_error = new IOError.FAILED ("no item");
		} catch (Error e) {
			first_error = e;
		}
		first_done = true;
	});
	yield wait_for (() => gate.get_n_waiters () == 1);
	assert_state (gen, Agen.GeneratorState.RUNNING);

	Value item;
	try {
		yield gen.next_async (null, out item);
		assert_not_reached ();
	} catch (IOError.PENDING e) {
	}
	try {
		yield gen.close_async ();
		assert_not_reached ();
	} catch (IOError.PENDING e) {
	}
	assert_state (gen, Agen.GeneratorState.RUNNING);

	gate.open ();
	yield wait_for (() => first_done);
	if (first_error != null)
		throw first_error;
	assert_int (first, 0);
	assert_log (log, {});

	/* Go on with a gate that opens whenever the body waits. */
	uint opener = Timeout.add (1, () => { gate.open (); return Source.CONTINUE; });
	assert (yield gen.next_async (null, out item));
	assert_int (item, 1);
	assert (!yield gen.next_async (null, out item));
	Source.remove (opener);
	assert_log (log, { "cleanup" });
}

/* foreach_async with a Vala lambda; FALSE stops and closes the generator. */
async void test_foreach () throws Error {
	var log = new AgenTest.Log ();
	var gen = AgenTest.counter (5, log);
	int sum = 0;
	assert (yield gen.foreach_async ((g, item) => {
		sum += item.get_int ();
		return true;
	}));
	assert (sum == 0 + 1 + 2 + 3 + 4);
	assert_log (log, { "cleanup" });

	log.clear ();
	gen = AgenTest.counter (5, log);
	int[] seen = {};
	assert (yield gen.foreach_async ((g, item) => {
		seen += item.get_int ();
		return seen.length < 2;
	}, null));
	assert (seen.length == 2);
	assert_state (gen, Agen.GeneratorState.FINISHED);
	assert_log (log, { "cleanup" });

	/* A body that raises: foreach fails with its error. */
	gen = AgenTest.raises_in_cleanup (2, log);
	try {
		yield gen.foreach_async ((g, item) => false);
		assert_not_reached ();
	} catch (IOError.FAILED e) {
		assert (e.message == "cleanup failed");
	}
}

/* shutdown_async closes every started, unfinished generator. */
async void test_shutdown () throws Error {
	var log_a = new AgenTest.Log ();
	var log_b = new AgenTest.Log ();
	var log_c = new AgenTest.Log ();
	var a = AgenTest.counter (3, log_a);
	var b = AgenTest.counter (3, log_b);
	var c = AgenTest.counter (3, log_c);
	Value item;
	assert (yield a.next_async (null, out item));
	assert (yield b.next_async (null, out item));

	assert (yield Agen.shutdown_async ());
	assert_log (log_a, { "cleanup" });
	assert_log (log_b, { "cleanup" });
	assert_log (log_c, {});
	assert_state (a, Agen.GeneratorState.FINISHED);
	assert_state (b, Agen.GeneratorState.FINISHED);
	assert_state (c, Agen.GeneratorState.CREATED);
}

/* Dropping the last reference of a suspended generator closes it. */
async void test_last_unref_closes () throws Error {
	var log = new AgenTest.Log ();
	var gen = AgenTest.counter (3, log);
	Value item;
	assert (yield gen.next_async (null, out item));
	gen = null;
	yield wait_for (() => log.dup_entries ().length == 1);
	assert_log (log, { "cleanup" });
}

/* next_now takes what is ready; a pending outcome comes through the
 * generator's one ready func (contract-consumer: taking an item that is
 * ready now). */
async void test_next_now () throws Error {
	var values = AgenTest.counter (1, new AgenTest.Log ());
	Value item;
	assert (values.next_now (null, out item) == Agen.NowStatus.ITEM);
	assert_int (item, 0);
	assert (values.next_now (null, out item) == Agen.NowStatus.END);
	assert_no_item (item);

	var gate = new AgenTest.Gate ();
	var gen = AgenTest.gated (1, gate, new AgenTest.Log ());
	int n_ready = 0;
	gen.set_ready_func ((self) => { n_ready++; });
	assert (gen.next_now (null, out item) == Agen.NowStatus.PENDING);
	assert (gen.next_now (null, out item) == Agen.NowStatus.PENDING);
	gate.open ();
	yield wait_for (() => n_ready == 1);
	assert_state (gen, Agen.GeneratorState.RUNNING);
	assert (gen.next_now (null, out item) == Agen.NowStatus.ITEM);
	assert_int (item, 0);
	assert_state (gen, Agen.GeneratorState.SUSPENDED);
	yield gen.close_async (null);
}

/* The typed forms of next_now return the item itself; get_now_status ()
 * tells the rest, and an item of another type stays for next_now. */
async void test_next_now_typed () throws Error {
	var object = new Object ();
	Value[] values = { true, 7, (int64) 1 << 40, 2.5, "text", object, 0 };
	var gen = new Agen.Generator.values (values);
	assert (gen.get_now_status () == Agen.NowStatus.PENDING);

	assert (gen.next_boolean_now () == true);
	assert (gen.get_now_status () == Agen.NowStatus.ITEM);
	assert (gen.next_string_now () == null);
	assert (gen.get_now_status () == Agen.NowStatus.OTHER_TYPE);
	assert_state (gen, Agen.GeneratorState.RUNNING);
	assert (gen.next_int_now () == 7);
	assert (gen.next_double_now () == 0.0);
	assert (gen.get_now_status () == Agen.NowStatus.OTHER_TYPE);
	assert (gen.next_int64_now () == (int64) 1 << 40);
	assert (gen.next_double_now () == 2.5);
	assert (gen.next_string_now () == "text");
	assert (gen.next_object_now () == object);
	assert (gen.next_int_now () == 0);
	assert (gen.get_now_status () == Agen.NowStatus.ITEM);
	assert (gen.next_object_now () == null);
	assert (gen.get_now_status () == Agen.NowStatus.END);

	var mismatched = new Agen.Generator.values ({ "not an int" });
	assert (mismatched.next_int_now () == 0);
	assert (mismatched.get_now_status () == Agen.NowStatus.OTHER_TYPE);
	Value item;
	assert (mismatched.next_now (null, out item) == Agen.NowStatus.ITEM);
	assert (item.get_string () == "not an int");
}

int main (string[] args) {
	Test.init (ref args);
	add ("/vala/consume/while-yield", (cb) => test_while_yield.begin (cb), (r) => test_while_yield.end (r));
	add ("/vala/consume/fresh-out-values", (cb) => test_fresh_out_values.begin (cb), (r) => test_fresh_out_values.end (r));
	add ("/vala/consume/state-notifies", (cb) => test_state_notifies.begin (cb), (r) => test_state_notifies.end (r));
	add ("/vala/consume/pending", (cb) => test_pending.begin (cb), (r) => test_pending.end (r));
	add ("/vala/consume/foreach", (cb) => test_foreach.begin (cb), (r) => test_foreach.end (r));
	add ("/vala/consume/shutdown", (cb) => test_shutdown.begin (cb), (r) => test_shutdown.end (r));
	add ("/vala/consume/next-now", (cb) => test_next_now.begin (cb), (r) => test_next_now.end (r));
	add ("/vala/consume/next-now-typed", (cb) => test_next_now_typed.begin (cb), (r) => test_next_now_typed.end (r));
	add ("/vala/consume/last-unref-closes", (cb) => test_last_unref_closes.begin (cb), (r) => test_last_unref_closes.end (r));
	return Test.run ();
}
