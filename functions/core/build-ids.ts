/**
 * The build id pattern, in one place for the API (path parameters, new ids) and the steps (their input).
 * The build id IS the build execution's name (docs/design.md "2.2 HTTP API and build ids"). Step Functions
 * allows 80 characters in an execution name; we keep to letters, digits, "-" and "_".
 */
export const BUILD_ID_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;

/** Teardowns of a build are executions of the teardown machine named `<buildId>--destroy-<n>`. */
export const TEARDOWN_MARKER = '--destroy-';

export function isBuildId(id: string): boolean {
  return BUILD_ID_PATTERN.test(id) && !id.includes(TEARDOWN_MARKER);
}
