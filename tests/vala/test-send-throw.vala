/* test-send-throw.vala: send_async and throw_async from Vala.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

using Harness;

Value string_value (string s) {
	var v = Value (typeof (string));
	v.set_string (s);
	return v;
}

Value int_value (int n) {
	var v = Value (typeof (int));
	v.set_int (n);
	return v;
}

/* echo: received = yield received. */
async void test_send () throws Error {
	var log = new AgenTest.Log ();
	var gen = AgenTest.echo (log);
	Value item;

	/* A value sent to a just-started generator is refused; it is unchanged. */
	try {
		yield gen.send_async (string_value ("too early"), null, out item);
		assert_not_reached ();
	} catch (Agen.Error.NOT_STARTED e) {
	}
	assert_no_item (item);
	assert_state (gen, Agen.GeneratorState.CREATED);

	/* send (null) is next: the first yield gives what was sent, nothing. */
	assert (yield gen.send_async (null, null, out item));
	assert_no_item (item);
	assert_state (gen, Agen.GeneratorState.SUSPENDED);

	assert (yield gen.send_async (string_value ("hello"), null, out item));
	assert_string (item, "hello");
	assert (yield gen.send_async (int_value (42), null, out item));
	assert_int (item, 42);
	var obj = new Object ();
	var boxed = Value (typeof (Object));
	boxed.set_object (obj);
	assert (yield gen.send_async (boxed, null, out item));
	assert (item.holds (typeof (Object)) && item.get_object () == obj);

	/* next sends nothing. */
	assert (yield gen.next_async (null, out item));
	assert_no_item (item);

	assert (yield gen.close_async ());
	assert_log (log, { "cleanup" });

	/* Finished: send is FALSE without an error. */
	assert (!yield gen.send_async (int_value (1), null, out item));
	assert_no_item (item);
}

/* catcher: a thrown error caught at a yield, which yields -1. */
async void test_throw_caught () throws Error {
	var log = new AgenTest.Log ();
	var gen = AgenTest.catcher (3, log);
	Value item;

	assert (yield gen.next_async (null, out item));
	assert_int (item, 0);
	assert (yield gen.throw_async (new IOError.FAILED ("boom"), null, out item));
	assert_int (item, -1);
	assert_log (log, { "caught boom" });

	int[] rest = {};
	while (yield gen.next_async (null, out item))
		rest += item.get_int ();
	assert (rest.length == 2 && rest[0] == 1 && rest[1] == 2);
	assert_log (log, { "caught boom", "cleanup" });

	/* Throwing into a finished generator: FALSE, no error. */
	assert (!yield gen.throw_async (new IOError.FAILED ("late"), null, out item));
	assert_no_item (item);
}

/* counter: an uncaught thrown error finishes the generator with it. */
async void test_throw_uncaught () throws Error {
	var log = new AgenTest.Log ();
	var gen = AgenTest.counter (3, log);
	Value item;

	assert (yield gen.next_async (null, out item));
	try {
		yield gen.throw_async (new IOError.NOT_FOUND ("nope"), null, out item);
		assert_not_reached ();
	} catch (IOError.NOT_FOUND e) {
		assert (e.message == "nope");
	}
	assert_no_item (item);
	assert_state (gen, Agen.GeneratorState.FINISHED);
	assert_log (log, { "cleanup" });
	assert (!yield gen.next_async (null, out item));
}

/* A throw before the start: the error, finished, the body never entered. */
async void test_throw_before_start () throws Error {
	var log = new AgenTest.Log ();
	var gen = AgenTest.counter (3, log);
	Value item;

	try {
		yield gen.throw_async (new IOError.NOT_FOUND ("early"), null, out item);
		assert_not_reached ();
	} catch (IOError.NOT_FOUND e) {
	}
	assert_state (gen, Agen.GeneratorState.FINISHED);
	assert_log (log, {});
	assert (!yield gen.next_async (null, out item));
}

/* A throw of Agen.Error.EXIT is a plain throw: caught, it may yield. */
async void test_throw_exit () throws Error {
	var log = new AgenTest.Log ();
	var gen = AgenTest.yields_in_close (3, log);
	Value item;

	assert (yield gen.next_async (null, out item));
	assert (yield gen.throw_async (new Agen.Error.EXIT ("exit"), null, out item));
	assert_int (item, -1);
	assert (yield gen.next_async (null, out item));
	assert_int (item, 1);
	assert_log (log, { "ignoring exit" });
	assert (yield gen.next_async (null, out item));
	assert (!yield gen.next_async (null, out item));
	assert_log (log, { "ignoring exit", "cleanup" });
}

int main (string[] args) {
	Test.init (ref args);
	add ("/vala/send", (cb) => test_send.begin (cb), (r) => test_send.end (r));
	add ("/vala/throw/caught", (cb) => test_throw_caught.begin (cb), (r) => test_throw_caught.end (r));
	add ("/vala/throw/uncaught", (cb) => test_throw_uncaught.begin (cb), (r) => test_throw_uncaught.end (r));
	add ("/vala/throw/before-start", (cb) => test_throw_before_start.begin (cb), (r) => test_throw_before_start.end (r));
	add ("/vala/throw/exit", (cb) => test_throw_exit.begin (cb), (r) => test_throw_exit.end (r));
	return Test.run ();
}
