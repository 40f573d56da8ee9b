'use strict';
// The Rust addon (built into ../vigil.node by `npm install`). VIGIL_NODE_ADDON points elsewhere,
// e.g. at a debug build.

const path = require('node:path');

const file = process.env.VIGIL_NODE_ADDON || path.join(__dirname, '..', 'vigil.node');
try {
  module.exports = require(file);
} catch (e) {
  e.message = `vigil-sdk: cannot load the native addon ${file} (run \`npm install\` or \`npm run build\` in bindings-node): ${e.message}`;
  throw e;
}
