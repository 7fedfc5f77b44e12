/**
 * Wire rendering for the awsQuery family. Modules return plain objects in wire names; this file turns them
 * into the XML documents the SDK's deserialisers read (`@aws-sdk/core` XmlShapeDeserializer): EC2 lists are
 * `<item>` elements under the list's wire name, query-protocol lists are `<member>` elements, and errors use
 * each protocol's own envelope so the SDK finds `Code` and turns it into the thrown error's `name`.
 */
import { XMLBuilder } from 'fast-xml-parser';
import { CloudError } from './contract';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true });

const NAMESPACES: Record<string, string> = {
  '2016-11-15': 'http://ec2.amazonaws.com/doc/2016-11-15/',
  '2015-12-01': 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
  '2010-05-08': 'https://iam.amazonaws.com/doc/2010-05-08/',
};

/** Converts a wire-shaped value into fast-xml-parser's builder input: lists wrapped in `listItem` elements. */
function toXmlNode(value: unknown, listItem: 'item' | 'member'): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length === 0) return '';
    return { [listItem]: value.map((v) => toXmlNode(v, listItem)) };
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const node = toXmlNode(v, listItem);
      if (node !== undefined) out[k] = node;
    }
    return out;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  // Modules return plain data: a function or symbol here is a bug in the module, not something to render.
  throw new TypeError(`cannot render a ${typeof value} as a wire value`);
}

export interface Rendered {
  status: number;
  contentType: string;
  body: string;
}

const xml = (status: number, doc: unknown): Rendered => ({
  status,
  contentType: 'text/xml;charset=UTF-8',
  body: `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(doc)}`,
});

export function renderResult(protocol: 'ec2' | 'query', version: string, action: string, result: unknown, requestId: string): Rendered {
  const ns = NAMESPACES[version];
  if (protocol === 'ec2') {
    const body = (toXmlNode(result ?? {}, 'item') || {}) as Record<string, unknown>;
    return xml(200, { [`${action}Response`]: { '@_xmlns': ns, requestId, ...body } });
  }
  const inner = toXmlNode(result ?? {}, 'member');
  return xml(200, {
    [`${action}Response`]: {
      '@_xmlns': ns,
      [`${action}Result`]: inner === '' ? undefined : inner,
      ResponseMetadata: { RequestId: requestId },
    },
  });
}

export function renderError(protocol: 'ec2' | 'query', version: string, error: CloudError, requestId: string): Rendered {
  if (protocol === 'ec2') {
    return xml(error.httpStatus, {
      Response: { Errors: { Error: { Code: error.code, Message: error.message } }, RequestID: requestId },
    });
  }
  return xml(error.httpStatus, {
    ErrorResponse: {
      '@_xmlns': NAMESPACES[version],
      Error: { Type: error.httpStatus >= 500 ? 'Receiver' : 'Sender', Code: error.code, Message: error.message },
      RequestId: requestId,
    },
  });
}

/** AWS JSON 1.1 (Service Quotas): errors carry the code in `__type` and the `x-amzn-errortype` header. */
export function renderJsonError(error: CloudError): Rendered & { headers: Record<string, string> } {
  return {
    status: error.httpStatus,
    contentType: 'application/x-amz-json-1.1',
    headers: { 'x-amzn-errortype': error.code },
    body: JSON.stringify({ __type: error.code, Message: error.message }),
  };
}
