#!/usr/bin/env node
'use strict';
// The `k8s-ec2` executable (package.json "bin"). The CLI is TypeScript run through tsx, like the project's
// other scripts. Registering tsx's CommonJS hook here does for this CommonJS project what `node --import tsx`
// does (Node 20.6+), without needing a flag on the shebang line.
require('tsx/cjs/api').register();
require('./k8s-ec2.ts').main();
