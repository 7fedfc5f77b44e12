import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { SpecError } from '../core/spec';

/**
 * HTTP helpers for the API Gateway proxy integration: every answer carries a content type and the request
 * id (header `X-Request-Id`, and `requestId` in error bodies) so a user can quote it when asking for help.
 */

/** The one error shape of the API (docs/design.md "3.3 Error shape"); `errors` lists every problem when there are several. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string };
  errors?: SpecError[];
  requestId: string;
}

/** Thrown by route code to answer with an error status; anything else thrown becomes a 500. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly extra: { field?: string; errors?: SpecError[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  requestId: string,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestId, 'Cache-Control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export function textResponse(body: string, requestId: string, filename: string): APIGatewayProxyResult {
  return {
    statusCode: 200,
    headers: {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Disposition': `attachment; filename="${filename}"`,
      'X-Request-Id': requestId,
      'Cache-Control': 'no-store',
    },
    body,
  };
}

export function errorResponse(error: HttpError, requestId: string): APIGatewayProxyResult {
  const body: ErrorBody = {
    error: { code: error.code, message: error.message, ...(error.extra.field ? { field: error.extra.field } : {}) },
    ...(error.extra.errors ? { errors: error.extra.errors } : {}),
    requestId,
  };
  return jsonResponse(error.statusCode, body, requestId, error.extra.headers);
}

/** Header lookup: HTTP header names are case-insensitive, API Gateway passes them as the client sent them. */
export function header(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/** The media type without parameters: `application/json; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0].trim().toLowerCase() || undefined;
}

export function bodyText(event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

export function queryParam(event: Pick<APIGatewayProxyEvent, 'queryStringParameters'>, name: string): string | undefined {
  return event.queryStringParameters?.[name] ?? undefined;
}
