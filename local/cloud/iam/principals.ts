/**
 * Who is calling: the embedded cloud's IAM identities. The local runtime creates one role per step
 * function with the step's policy from the permission table (infra/permissions.ts) and gets credentials
 * for it, as a Lambda gets its role's session credentials; each request's SigV4 `Credential=` names the
 * access key, and so the principal whose policy the request is evaluated against.
 *
 * Credentials this cloud did not issue act as the account's administrator (full access, as root
 * credentials would): the AWS CLI, the tests' own clients and `npm start`'s leftover check use them. That
 * is a convenience, not a model of AWS (which rejects unknown keys); the stats count calls per principal so
 * a test can prove a build's calls were all made under step roles.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { PolicyDocument } from '../../../infra/iam';

export interface Principal {
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`, or the account root for the administrator. */
  arn: string;
  /** The identity-based policy; absent for the administrator, whom nothing is denied. */
  policy?: PolicyDocument;
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  principalArn: string;
}

export class IamAccount {
  private readonly byAccessKey = new Map<string, Principal>();
  /** Service-linked roles that exist, by service principal (ELB creates its own on the first load balancer). */
  readonly serviceLinkedRoles = new Set<string>();
  readonly administrator: Principal;

  constructor(
    readonly partition: string,
    readonly accountId: string,
  ) {
    this.administrator = { arn: `arn:${partition}:iam::${accountId}:root` };
  }

  /**
   * A role with one identity-based policy, and session credentials for it (`ASIA…` like STS's). The access
   * key is derived from the role and session names, so repeated runs log the same ids.
   */
  assumeRole(roleName: string, sessionName: string, policy: PolicyDocument): IssuedCredentials {
    const digest = createHash('sha256').update(`${this.accountId}/${roleName}/${sessionName}`).digest('hex').toUpperCase();
    const accessKeyId = `ASIA${digest
      .replace(/[^A-Z2-7]/g, '')
      .padEnd(16, 'Q')
      .slice(0, 16)}`;
    const principalArn = `arn:${this.partition}:sts::${this.accountId}:assumed-role/${roleName}/${sessionName}`;
    this.byAccessKey.set(accessKeyId, { arn: principalArn, policy });
    return {
      accessKeyId,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(60).toString('base64'),
      principalArn,
    };
  }

  /** Replaces a role session's policy (tests: remove one permission and watch the build fail). */
  putPolicy(accessKeyId: string, policy: PolicyDocument): void {
    const principal = this.byAccessKey.get(accessKeyId);
    if (!principal) throw new Error(`no role session has access key ${accessKeyId}`);
    this.byAccessKey.set(accessKeyId, { ...principal, policy });
  }

  principalFor(accessKeyId: string | undefined): Principal {
    return (accessKeyId && this.byAccessKey.get(accessKeyId)) || this.administrator;
  }
}

/** The access key id of a SigV4 `Authorization` header (`… Credential=AKID/date/region/service/aws4_request, …`). */
export function accessKeyOf(authorization: string | undefined): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];
}
