/* lines.vala: agen-glib from Vala, both ways.  vala-lines FILE WORD
 *
 * 1. consumes a generator written in C (the lines of FILE, read by
 *    agen_generator_new_lines ()) with `while (yield lines.next_async (...))`;
 * 2. writes a generator as a Vala async method (the lines of FILE that
 *    contain WORD, numbered) and hands it to a consumer written in C
 *    (agen_generator_foreach_async ()).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

class Grep : Agen.Producer {
	string path;
	string word;

	public Grep (string path, string word) {
		this.path = path;
		this.word = word;
	}

	/* Python's `async def grep(path, word)` with `yield`. */
	public override async void produce (Agen.Emitter emitter, Cancellable? cancellable) throws Error {
		var lines = lines_of (path);
		Value line;
		for (int n = 1; yield lines.next_async (cancellable, out line); n++)
			if (word in line.get_string ())
				yield emitter.emit_string_async ("%3d: %s".printf (n, line.get_string ()), cancellable);
	}
}

/* The lines of a file, as a generator written in C. */
Agen.Generator lines_of (string path) throws Error {
	return new Agen.Generator.lines (File.new_for_path (path).read (), Priority.DEFAULT);
}

async int run (string path, string word) throws Error {
	var lines = lines_of (path);
	int n_lines = 0, n_matches = 0;
	Value line;
	while (yield lines.next_async (null, out line)) {
		if (++n_lines <= 3)
			print ("line %d: %s\n", n_lines, line.get_string ());
		n_matches += word in line.get_string () ? 1 : 0;
	}
	print ("%s has %d lines, %d with \"%s\"\nThe lines with \"%s\", as C consumes them:\n", path, n_lines, n_matches, word, word);
	int n_printed = 0;
	yield new Agen.Generator.from_producer (new Grep (path, word)).foreach_async ((gen, item) => {
		print ("%s\n", item.get_string ());
		n_printed++;
		return true;
	});
	return n_printed == n_matches ? 0 : 1;
}

int main (string[] args) {
	if (args.length != 3)
		error ("usage: %s FILE WORD", args[0]);
	var loop = new MainLoop ();
	int status = 1;
	run.begin (args[1], args[2], (obj, res) => {
		try { status = run.end (res); } catch (Error e) { printerr ("%s\n", e.message); }
		loop.quit ();
	});
	loop.run ();
	return status;
}
