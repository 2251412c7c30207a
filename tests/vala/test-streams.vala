/* test-streams.vala: sources, combinators and Agen.ListModel from Vala.
 *
 * The sources are constructors (new Agen.Generator.lines (...)), the
 * combinators methods that take Vala lambdas (map's has an out Value;
 * map's and filter's may throw), chain/zip/merge take arrays,
 * collect_async gives a GenericArray<Value?>, and an Agen.ListModel is a
 * GLib.ListModel.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

using Harness;

class Item : Object {
	public int n { get; construct; }

	public Item (int n) {
		Object (n: n);
	}
}

class Emitter : Object {
	public signal void ping (int n, string text);
}

Value int_value (int n) {
	var v = Value (typeof (int));
	v.set_int (n);
	return v;
}

/* lines | filter | map | take, each stage a C combinator running a Vala
 * lambda; take closes the lines source, which closes the stream. */
async void test_lines_pipeline () throws Error {
	var stream = new MemoryInputStream.from_data ("alpha\nbeta\n\ngamma\ndelta\n".data);
	var lines = new Agen.Generator.lines (stream, Priority.DEFAULT);
	var upper = lines
		.filter ((item) => item.get_string () != "")
		.map ((item, out result) => {
			result = Value (typeof (string));
			result.set_string (item.get_string ().up ());
			return true;
		})
		.take (3);

	string[] got = {};
	Value item;
	while (yield upper.next_async (null, out item))
		got += item.get_string ();
	assert_strv (got, { "ALPHA", "BETA", "GAMMA" });
	assert_state (lines, Agen.GeneratorState.FINISHED);
	assert (stream.is_closed ());
}

/* An error a map lambda throws ends the pipeline with that error. */
async void test_map_throws () throws Error {
	Value[] values = { int_value (1), int_value (2), int_value (3) };
	var mapped = new Agen.Generator.values (values).map ((item, out result) => {
		if (item.get_int () == 2)
			throw new IOError.INVALID_DATA ("no %d", item.get_int ());
		result = int_value (item.get_int () * 10);
		return true;
	});

	Value item;
	assert (yield mapped.next_async (null, out item));
	assert_int (item, 10);
	Error? caught = null;
	try {
		yield mapped.next_async (null, out item);
	} catch (Error e) {
		caught = e;
	}
	expect_error (caught, IOError.quark (), IOError.INVALID_DATA);
	assert (caught.message == "no 2");
	assert_state (mapped, Agen.GeneratorState.FINISHED);
}

/* An error a filter lambda throws ends the pipeline with that error, after
 * the filter closed its source (here the lines, which close the stream). */
async void test_filter_throws () throws Error {
	var stream = new MemoryInputStream.from_data ("one\ntwo\nthree\n".data);
	var lines = new Agen.Generator.lines (stream, Priority.DEFAULT);
	var checked = lines.filter ((item) => {
		if (item.get_string () == "two")
			throw new IOError.INVALID_DATA ("cannot check %s", item.get_string ());
		return true;
	});

	Value item;
	assert (yield checked.next_async (null, out item));
	assert_string (item, "one");
	Error? caught = null;
	try {
		yield checked.next_async (null, out item);
	} catch (Error e) {
		caught = e;
	}
	expect_error (caught, IOError.quark (), IOError.INVALID_DATA);
	assert (caught.message == "cannot check two");
	assert_state (checked, Agen.GeneratorState.FINISHED);
	assert_state (lines, Agen.GeneratorState.FINISHED);
	assert (stream.is_closed ());
}

/* chain takes an array; collect_async gives every item; enumerate_tuples'
 * items are Agen.Tuples of (guint64 index, item). */
async void test_chain_enumerate_collect () throws Error {
	Value[] first = { int_value (1), int_value (2) };
	Value[] second = { int_value (3) };
	Agen.Generator[] sources = { new Agen.Generator.values (first), new Agen.Generator.values (second) };
	var pairs = Agen.Generator.chain (sources).enumerate_tuples ();

	GenericArray<Value?> items = yield pairs.collect_async ();
	assert (items.length == 3);
	for (uint i = 0; i < items.length; i++) {
		var pair = (Agen.Tuple) items[i].get_object ();
		assert (pair.get_size () == 2);
		assert (pair.get (0).get_uint64 () == i);
		assert_int (pair.get (1), (int) i + 1);
	}
}

/* zip_tuples stops at the shortest source; its items are Agen.Tuples too. */
async void test_zip () throws Error {
	Value[] numbers = { int_value (1), int_value (2), int_value (3) };
	var stream = new MemoryInputStream.from_data ("one\ntwo\n".data);
	var zipped = Agen.Generator.zip_tuples ({ new Agen.Generator.values (numbers),
	                                          new Agen.Generator.lines (stream, Priority.DEFAULT) });
	string[] got = {};
	Value item;
	while (yield zipped.next_async (null, out item)) {
		var tuple = (Agen.Tuple) item.get_object ();
		got += "%d:%s".printf (tuple.get (0).get_int (), tuple.get (1).get_string ());
	}
	assert_strv (got, { "1:one", "2:two" });
	assert (stream.is_closed ());
}

/* A list model of Agen.ValueItem holds strings: each item's get_value (). */
async void test_value_items () throws Error {
	var stream = new MemoryInputStream.from_data ("one\ntwo\n".data);
	var model = new Agen.ListModel (new Agen.Generator.lines (stream, Priority.DEFAULT),
	                                typeof (Agen.ValueItem), 10);
	model.load_more ();
	while (model.get_loading ())
		MainContext.default ().iteration (true);
	assert (model.get_complete ());
	assert (model.get_n_items () == 2);
	var second = (Agen.ValueItem) model.get_item (1);
	assert_string (second.get_value (), "two");
}

/* A signal source: each emission is a GValueArray of its parameters. */
async void test_signal () throws Error {
	var emitter = new Emitter ();
	var pings = new Agen.Generator.@signal (emitter, "ping", 4, Agen.OverflowPolicy.DROP_OLDEST);
	emitter.ping (1, "one");
	emitter.ping (2, "two");

	Value item;
	for (int n = 1; n <= 2; n++) {
		assert (yield pings.next_async (null, out item));
		unowned ValueArray args = (ValueArray) item.get_boxed ();
		assert (args.n_values == 2);
		assert_int (args.get_nth (0), n);
		assert_string (args.get_nth (1), n == 1 ? "one" : "two");
	}
	yield pings.close_async ();
	assert_state (pings, Agen.GeneratorState.FINISHED);
}

/* An Agen.ListModel filled page by page from a generator of objects, here
 * a Vala lambda body; items-changed announces each page. */
async void test_list_model () throws Error {
	int next = 0;
	var items = new Agen.Generator ((gen) => {
		if (gen.peek_error () != null)
			return;
		if (next < 5)
			gen.yield_object (new Item (next++));
		else
			gen.return ();
	});
	var model = new Agen.ListModel (items, typeof (Item), 2);
	string[] changes = {};
	model.items_changed.connect ((position, removed, added) => {
		changes += "%u-%u+%u".printf (position, removed, added);
	});

	model.load_more ();
	assert (model.loading);
	yield wait_for (() => !model.loading);
	assert (model.get_n_items () == 2);
	assert (!model.complete);
	assert_strv (changes, { "0-0+2" });

	model.autoload_limit = 100;
	yield wait_for (() => model.complete);
	assert (model.get_n_items () == 5);
	assert (model.get_error () == null);
	assert (model.error == null);             /* the property: a copy, through g_object_get */
	for (uint i = 0; i < 5; i++)
		assert (((Item) model.get_item (i)).n == (int) i);
	assert_strv (changes, { "0-0+2", "2-0+2", "4-0+1" });
}

int main (string[] args) {
	Test.init (ref args);
	add ("/vala/streams/lines-pipeline", (cb) => test_lines_pipeline.begin (cb),
	     (r) => test_lines_pipeline.end (r));
	add ("/vala/streams/map-throws", (cb) => test_map_throws.begin (cb), (r) => test_map_throws.end (r));
	add ("/vala/streams/filter-throws", (cb) => test_filter_throws.begin (cb),
	     (r) => test_filter_throws.end (r));
	add ("/vala/streams/chain-enumerate-collect", (cb) => test_chain_enumerate_collect.begin (cb),
	     (r) => test_chain_enumerate_collect.end (r));
	add ("/vala/streams/zip", (cb) => test_zip.begin (cb), (r) => test_zip.end (r));
	add ("/vala/streams/value-items", (cb) => test_value_items.begin (cb), (r) => test_value_items.end (r));
	add ("/vala/streams/signal", (cb) => test_signal.begin (cb), (r) => test_signal.end (r));
	add ("/vala/streams/list-model", (cb) => test_list_model.begin (cb), (r) => test_list_model.end (r));
	return Test.run ();
}
