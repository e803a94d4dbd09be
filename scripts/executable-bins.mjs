// Makes the package's bin files (package.json "bin") runnable as programs after tsc, which writes
// them without the execute bit: `npx ascii360` in a checkout runs the file itself and failed with
// "Permission denied" (npm sets the bit only on a package it installs, not on the project it runs
// in). A node step rather than `chmod` in the build script, so the build also runs where npm
// scripts go through cmd.exe; there chmod changes nothing, and Windows runs bins through npm's shims.
import { chmodSync, readFileSync, statSync } from 'node:fs';

const SHEBANG = '#!/usr/bin/env node\n';
const { bin = {} } = JSON.parse(readFileSync('package.json', 'utf8'));
for (const path of typeof bin === 'string' ? [bin] : Object.values(bin)) {
  // Without it the kernel runs the file as a shell script: the command fails in confusing ways.
  if (!readFileSync(path, 'utf8').startsWith(SHEBANG)) {
    console.error(`${path} must start with ${JSON.stringify(SHEBANG)}: the source of a bin keeps it on its first line`);
    process.exit(1);
  }
  chmodSync(path, statSync(path).mode | 0o111);
}
