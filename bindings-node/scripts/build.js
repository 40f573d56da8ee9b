'use strict';
// Builds the native addon with cargo and copies it to ./vigil.node. Run by `npm install`; honours
// CARGO_TARGET_DIR so a Makefile can share one target directory, and VIGIL_NODE_PROFILE
// (release by default, or debug).

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const pkgDir = path.resolve(__dirname, '..');
const workspace = path.resolve(pkgDir, '..');
const profile = process.env.VIGIL_NODE_PROFILE || 'release';
const cargo = process.env.CARGO || 'cargo';

const args = ['build', '-p', 'vigil-node', '--manifest-path', path.join(workspace, 'Cargo.toml')];
if (profile === 'release') args.push('--release');
else if (profile !== 'debug' && profile !== 'dev') args.push('--profile', profile);

const run = spawnSync(cargo, args, { stdio: 'inherit' });
if (run.error) {
  console.error(
    `vigil-sdk: cannot run ${cargo} (a Rust toolchain builds the addon): ${run.error.message}`,
  );
  process.exit(1);
}
if (run.status !== 0) process.exit(run.status ?? 1);

// Cargo resolves a relative CARGO_TARGET_DIR against its working directory, which is ours.
const targetDir = path.resolve(process.env.CARGO_TARGET_DIR || path.join(workspace, 'target'));
const libName =
  {
    darwin: 'libvigil_node.dylib',
    win32: 'vigil_node.dll',
  }[process.platform] || 'libvigil_node.so';
const built = path.join(targetDir, profile === 'dev' ? 'debug' : profile, libName);
const dest = path.join(pkgDir, 'vigil.node');
// Copy through a temporary name: a process that has the old addon loaded keeps a valid mapping.
const tmp = `${dest}.${process.pid}.tmp`;
fs.copyFileSync(built, tmp);
fs.renameSync(tmp, dest);
console.log(`vigil-sdk: built ${path.relative(process.cwd(), dest) || dest} from ${built}`);
