/**
 * IAM request members: names and paths validated as the IAM API reference constrains them, and Marker/MaxItems
 * pagination. IAM speaks the same awsQuery protocol as ELBv2 (`Tags.member.N.Key`), so list decoding is
 * ELBv2's (elbv2/params.ts).
 */
import { CloudError, type QueryParams } from '../contract';

export const validation = (message: string): CloudError => new CloudError('ValidationError', message, 400);

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** `[\w+=,.@-]+`: "upper and lowercase alphanumeric characters with no spaces … _+=,.@-" (API_CreateRole, API_CreateInstanceProfile). */
const NAME_PATTERN = /^[\w+=,.@-]+$/;

/** Length limits of the names, from the same pages: role 1–64, instance profile 1–128. */
export const NAME_MAX = { RoleName: 64, InstanceProfileName: 128 } as const;

/** A required role or instance-profile name, refused with the ValidationError IAM gives for that member. */
export function requiredName(params: QueryParams, member: keyof typeof NAME_MAX): string {
  const value = params[member];
  const at = `at '${lowerFirst(member)}' failed to satisfy constraint`;
  if (value === undefined || value === '') throw validation(`1 validation error detected: Value null ${at}: Member must not be null`);
  if (value.length > NAME_MAX[member])
    throw validation(
      `1 validation error detected: Value '${value}' ${at}: Member must have length less than or equal to ${NAME_MAX[member]}`,
    );
  if (!NAME_PATTERN.test(value))
    throw validation(`1 validation error detected: Value '${value}' ${at}: Member must satisfy regular expression pattern: [\\w+=,.@-]+`);
  return value;
}

/**
 * `Path`: "/" by default; otherwise it begins and ends with "/" and holds ASCII ! (\u0021) through DEL
 * (\u007F), at most 512 characters (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
 */
export function pathOf(params: QueryParams): string {
  const path = params.Path ?? '/';
  if (path.length > 512 || !/^(\/|\/[\u0021-\u007f]+\/)$/.test(path)) {
    throw validation(
      'The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.',
    );
  }
  return path;
}

/** A required member that is not a name (AssumeRolePolicyDocument, PolicyArn). */
export function required(params: QueryParams, member: string): string {
  const value = params[member];
  if (value === undefined || value === '')
    throw validation(
      `1 validation error detected: Value null at '${lowerFirst(member)}' failed to satisfy constraint: Member must not be null`,
    );
  return value;
}

/**
 * IAM's list pagination: `MaxItems` 1–1000 (default 100), an opaque `Marker`, and `IsTruncated` in every answer
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListAttachedRolePolicies.html). The marker here is
 * the base64 of the next offset.
 */
export function paginate<T>(items: T[], params: QueryParams): { page: T[]; IsTruncated: boolean; Marker?: string } {
  const maxItems = params.MaxItems === undefined ? 100 : Number(params.MaxItems);
  if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 1000) {
    throw validation(
      `1 validation error detected: Value '${params.MaxItems}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`,
    );
  }
  const decoded = params.Marker ? Buffer.from(params.Marker, 'base64').toString('utf8') : 'offset:0';
  if (!/^offset:\d+$/.test(decoded)) throw new CloudError('InvalidInput', `Invalid Marker: ${params.Marker}`, 400);
  const start = Number(decoded.slice('offset:'.length));
  const page = items.slice(start, start + maxItems);
  const next = start + maxItems;
  return next < items.length
    ? { page, IsTruncated: true, Marker: Buffer.from(`offset:${next}`).toString('base64') }
    : { page, IsTruncated: false };
}
