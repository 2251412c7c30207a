/* lines.vala: agen-glib from Vala, both ways.
 *
 *   vala-lines FILE WORD
 *
 * 1. consumes a generator written in C (the lines of FILE) with
 *    `while (yield gen.next_async (null, out line))`;
 * 2. writes a generator in Vala (a lambda body that itself awaits the C
 *    generator: the lines of FILE that contain WORD, numbered) and hands it
 *    to a consumer written in C, which prints its items.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* async def grep(path, word):
 *     n = 0
 *     async for line in AgenExample.lines_new(Gio.File.new_for_path(path)):
 *         n += 1
 *         if word in line:
 *             yield '%3d: %s' % (n, line)
 *
 * A body is called at every resumption and ends each call in one of
 * gen.yield_string (...), gen.return (), gen.raise (...) or an await;
 * gen.get_resume_point () says where it goes on. The lambda's captured
 * variables live across the calls.
 */
enum Resume {
	START,
	AWAITED_LINE,                     /* lines.next_async () completed */
	YIELDED                           /* the consumer wants the next item */
}

Agen.Generator grep (string path, string word) {
	var lines = AgenExample.lines_new (File.new_for_path (path));
	int n = 0;

	return new Agen.Generator ((gen) => {
		switch ((Resume) gen.get_resume_point ()) {
		case Resume.AWAITED_LINE:
			unowned AsyncResult? result = gen.get_result ();
			if (result == null)
				return;               /* cancelled: the error thrown in propagates */
			Value line;
			try {
				if (!lines.next_async.end (result, out line)) {
					gen.return ();
					return;
				}
			} catch (Error e) {
				gen.raise (e);
				return;
			}
			n++;
			if (word in line.get_string ()) {
				gen.set_resume_point (Resume.YIELDED);
				gen.yield_string ("%3d: %s".printf (n, line.get_string ()));
				return;
			}
			break;
		case Resume.YIELDED:
			if (gen.peek_error () != null)
				return;               /* thrown in or closed: propagates */
			break;
		default:
			break;
		}

		/* Await the next line: suspend, and resume from its callback. */
		uint await_id = gen.suspend ();
		lines.next_async.begin (gen.get_cancellable (), (obj, res) => gen.resume (await_id, res));
		gen.set_resume_point (Resume.AWAITED_LINE);
	});
}

/* AgenExample.print_all_async () as a Vala async method (its finish takes
 * the generator: see AgenExample-1.0.metadata). */
async uint print_all (Agen.Generator items, Cancellable? cancellable = null) throws Error {
	AsyncResult? result = null;
	AgenExample.print_all_async (items, cancellable, (obj, res) => {
		result = res;
		print_all.callback ();
	});
	yield;
	return AgenExample.print_all_finish (items, result);
}

async int run (string path, string word) throws Error {
	/* 1. A C generator, consumed with while (yield ...). */
	var lines = AgenExample.lines_new (File.new_for_path (path));
	int n_lines = 0;
	int n_matches = 0;
	Value line;
	while (yield lines.next_async (null, out line)) {
		n_lines++;
		if (n_lines <= 3)
			print ("line %d: %s\n", n_lines, line.get_string ());
		if (word in line.get_string ())
			n_matches++;
	}
	print ("%s has %d lines, %d with \"%s\"\n", path, n_lines, n_matches, word);

	/* 2. A Vala generator, consumed in C by AgenExample.print_all_async (). */
	print ("The lines with \"%s\", printed by C:\n", word);
	stdout.flush ();
	uint n_printed = yield print_all (grep (path, word));
	if (n_printed != n_matches) {
		printerr ("printed %u lines, expected %d\n", n_printed, n_matches);
		return 1;
	}
	return 0;
}

int main (string[] args) {
	if (args.length != 3) {
		printerr ("usage: %s FILE WORD\n", args[0]);
		return 2;
	}

	var loop = new MainLoop ();
	int status = 1;
	run.begin (args[1], args[2], (obj, res) => {
		try {
			status = run.end (res);
		} catch (Error e) {
			printerr ("%s: %s\n", args[1], e.message);
		}
		loop.quit ();
	});
	loop.run ();
	return status;
}
