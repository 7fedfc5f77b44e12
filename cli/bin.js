#!/usr/bin/env node
'use strict';
// The `k8s-ec2` executable (package.json "bin"). The CLI is TypeScript run through tsx, like `npm start`,
// with nothing compiled ahead of time — so tsx is a runtime dependency ("dependencies", not dev ones) and
// `npm ci --omit=dev && npx k8s-ec2 --help` works. Not a bundle built at `prepare`: that needs esbuild in
// the install all the same, goes stale as the sources change, and `k8s-ec2 local` loads the embedded stack,
// whose Step Functions tasks require functions/handlers/<name>.ts by a computed path. test/cli/bin.test.ts
// runs this file as an install without dev dependencies would.
const { join } = require('node:path');

// Our tsconfig.json from whatever directory k8s-ec2 runs in (tsx would look for one from the cwd).
process.env.TSX_TSCONFIG_PATH = join(__dirname, '..', 'tsconfig.json');
// What `node --import tsx` does, without a flag on the shebang line: tsx's hooks for require() and, for the
// commands that load the embedded stack lazily, import() (Node 20.6+).
import('tsx').then(() => require('./k8s-ec2.ts').main());
