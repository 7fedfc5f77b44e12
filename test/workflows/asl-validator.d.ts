/**
 * asl-validator ships no type declarations: this is the part of its API (dist/src/validator.js, a CommonJS
 * `module.exports = function validator(definition, opts)`) the definition tests call.
 */
declare module 'asl-validator' {
  interface ValidationResult {
    isValid: boolean;
    errors: unknown[];
    errorsText(separator?: string): string;
  }
  function validator(definition: unknown, opts?: { checkArn?: boolean; checkPaths?: boolean }): ValidationResult;
  export = validator;
}
