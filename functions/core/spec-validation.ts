import { canonicalJson } from './canonical-json';
import { parseSpecShape, type SpecResult } from './spec';
import { checkAwsLimits } from './spec-limits';
import { checkSpecSemantics } from './spec-rules';

/**
 * The two ways a spec is read (docs/design.md "3.4 Validated once, stored normalised"):
 * - `validateSpec`: a spec as a client sent it (the API, the CLI): shape and defaults, then the rules
 *   across fields and AWS's limits on what it derives. Its `spec` is the normalised spec the API stores.
 * - `readNormalisedSpec`: what a step reads from its execution input: the shape is checked, nothing is
 *   filled in and no rule is re-applied, so a release that changes a default or tightens a rule never
 *   changes a build that is already running (or makes it impossible to tear down).
 */

/**
 * Version of the normalised spec in an execution input (`BuildInput.specVersion`). Version 2 added
 * `bastion.enabled`, `endpoints`, `transitGateway` and more `egress` modes; a version 1 spec (started by the
 * previous release) is read as version 2 with the new fields at the defaults, which build what version 1 built.
 */
export const SPEC_VERSION = 2;
const READABLE_VERSIONS: readonly unknown[] = [1, SPEC_VERSION];

/** The fields version 2 added, at what version 1 built: a bastion, no endpoints (transitGateway: absent). */
function asVersion2(spec: unknown): unknown {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return spec;
  const v1 = spec as { bastion?: object };
  return { endpoints: [], ...v1, bastion: { enabled: true, ...v1.bastion } };
}

/** Whether a step (or the API reading a stored input) understands this `specVersion`. */
export function isReadableSpecVersion(version: unknown): boolean {
  return READABLE_VERSIONS.includes(version);
}

/** A normalised spec of a readable version, read as the current version (see `readNormalisedSpec`). */
export function readVersionedSpec(version: unknown, spec: unknown): SpecResult {
  return readNormalisedSpec(version === 1 ? asVersion2(spec) : spec);
}

/** Validates a build spec: shape first, then the rules across fields and AWS's limits. Never throws. */
export function validateSpec(input: unknown): SpecResult {
  const shaped = parseSpecShape(input);
  if (!shaped.ok) return shaped;
  const errors = [...checkSpecSemantics(shaped.spec), ...checkAwsLimits(shaped.spec)];
  return errors.length ? { ok: false, errors } : shaped;
}

/** The body as sent, parsed once: malformed JSON is reported like any other error, with the parsed body. */
export function validateSpecText(text: string): SpecResult & { body?: unknown } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      errors: [{ code: 'MALFORMED_JSON', field: '(body)', message: `the body is not valid JSON: ${(error as Error).message}` }],
    };
  }
  return { ...validateSpec(body), body };
}

/**
 * A stored spec must be a fixed point of normalisation: reading it fills in nothing. A field that would be
 * filled means the input was not written by this API (or by an older specVersion), and the step refuses it
 * rather than build something the client never asked for.
 */
export function readNormalisedSpec(stored: unknown): SpecResult {
  const shaped = parseSpecShape(stored);
  if (!shaped.ok) return shaped;
  const asStored = stored as Record<string, unknown>;
  const filled = Object.keys(shaped.spec).filter(
    (field) => canonicalJson(asStored[field]) !== canonicalJson((shaped.spec as Record<string, unknown>)[field]),
  );
  if (!filled.length) return shaped;
  return {
    ok: false,
    errors: filled.map((field) => ({ code: 'NOT_NORMALISED', field, message: 'the stored spec lacks this field or its default' })),
  };
}

/**
 * The spec of an execution input as the API reads it back (teardown, artifacts): normalised as stored, or —
 * for an execution started before specs were stored normalised (no `specVersion`) — its shape with the
 * defaults filled, without the rules, so a build that was valid when it started stays removable.
 */
export function readStoredSpec(input: { specVersion?: unknown; spec?: unknown } | undefined): SpecResult {
  if (input?.specVersion === undefined) return parseSpecShape(input?.spec);
  if (!isReadableSpecVersion(input.specVersion)) {
    return {
      ok: false,
      errors: [
        { code: 'UNKNOWN_SPEC_VERSION', field: 'specVersion', message: `this release reads versions ${READABLE_VERSIONS.join(' and ')}` },
      ],
    };
  }
  return readVersionedSpec(input.specVersion, input.spec);
}
