// `node --import ./test/cli/omit-dev.mjs …` runs this checkout as an install without dev dependencies
// (`npm ci --omit=dev`) would: a package that package-lock.json marks "dev": true (only there for the
// devDependencies) fails to resolve, through require() and import() alike, as if it were not installed.
// test/cli/bin.test.ts runs the `k8s-ec2` executable under it.
import { readFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { packages } = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));

/** …/node_modules/a/node_modules/@s/b/lib/x.js → its package-lock.json key, node_modules/a/node_modules/@s/b. */
function lockKey(file) {
  const parts = relative(root, file).split(sep);
  let end = 0;
  while (parts[end] === 'node_modules') end += parts[end + 1]?.startsWith('@') ? 3 : 2;
  return end ? parts.slice(0, end).join('/') : undefined;
}

function notInstalled(request, file, code) {
  const key = lockKey(file);
  if (!key || !packages[key]?.dev) return undefined;
  const error = new Error(`Cannot find module '${request}': ${key} is installed only with the dev dependencies (omit-dev.mjs)`);
  return Object.assign(error, { code });
}

/** The ESM resolve hook (runs on Node's hooks thread). */
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  const error = result.url.startsWith('file:') && notInstalled(specifier, fileURLToPath(result.url), 'ERR_MODULE_NOT_FOUND');
  if (error) throw error;
  return result;
}

if (isMainThread) {
  register(import.meta.url);
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    const file = resolveFilename.call(this, request, ...rest);
    const error = notInstalled(request, file, 'MODULE_NOT_FOUND');
    if (error) throw error;
    return file;
  };
}
