'use strict';
// Every case of the shared identity vectors, through normalize().

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vigil = require('..');

const file = path.resolve(__dirname, '..', '..', 'tests', 'vectors', 'identity.json');
const { cases } = JSON.parse(fs.readFileSync(file, 'utf8'));

test('the vectors are there', () => assert.ok(cases.length > 100));

for (const c of cases) {
  test(`identity vector ${c.name}`, () => {
    // As [key, value] pairs: the vectors include a key given twice, which no object can hold.
    const options = c.pii
      ? { pii_secret: c.pii.secret, keep_email_domain: c.pii.keep_email_domain }
      : undefined;
    if (c.error) {
      assert.throws(
        () => vigil.normalize(c.input, options),
        (e) => e instanceof RangeError && e.code === c.error,
      );
      return;
    }
    const got = vigil.normalize(c.input, options);
    assert.deepEqual(Object.keys(got.ids), Object.keys(c.expect.ids));
    assert.deepEqual(got, c.expect);
  });
}
