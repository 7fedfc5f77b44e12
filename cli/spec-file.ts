import { readFile } from 'node:fs/promises';
import { validateSpec } from '../functions/core/spec-validation';
import { UsageError } from './errors';

export type SpecFile = { ok: true; body: unknown } | { ok: false; errors: string[] };

/**
 * Reads a spec file and checks it with the schema the API uses (docs/design.md "3. Build spec": one schema for API, CLI and
 * handlers), so a typo is reported with the file name before any request. The body sent is the file as
 * written: the API fills the defaults itself.
 */
export async function readSpecFile(file: string): Promise<SpecFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--spec ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [`not valid JSON: ${(error as Error).message}`] };
  }
  const checked = validateSpec(body);
  return checked.ok ? { ok: true, body } : { ok: false, errors: checked.errors.map((e) => `${e.field}: ${e.message} [${e.code}]`) };
}
