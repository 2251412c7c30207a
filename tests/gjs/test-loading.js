// test-loading.js: the override checks, when it loads, that the typelib it
// found is one it works with, and says what it found where when not.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import {Agen, run, assert, assertEqual} from './harness.js';

function thrownBy(fn) {
    try {
        fn();
    } catch (e) {
        return e;
    }
    throw new Error('expected an exception');
}

run({
    'the override is loaded and matches the library'() {
        assertEqual(typeof Agen.Generator.fromAsyncIterable, 'function', 'override loaded');
        assertEqual(Agen.check_version(1, 0, 0), null);
        assert(Agen.get_major_version() >= 1);
    },

    'an older library fails with what and where'() {
        const older = {check_version: () => 'agen-glib version too old (micro mismatch)'};
        const e = thrownBy(() => Agen._checkLibrary(older, [1, 0, 1]));
        assert(e.message.includes('agen-glib version too old (micro mismatch)'), e.message);
        assert(e.message.includes('Agen-1.0.typelib'), `names the typelib found: ${e.message}`);
        assert(e.message.includes('1.0.1'), e.message);
    },

    'a library before versioning fails too'() {
        const e = thrownBy(() => Agen._checkLibrary({}));
        assert(e.message.includes('older than 1.0'), e.message);
    },
});
