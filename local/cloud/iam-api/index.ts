/**
 * The IAM (2010-05-08, awsQuery) service module of the embedded cloud: roles, AWS managed-policy attachments,
 * instance profiles and their tags — the part of IAM a build uses to give its nodes an instance profile. IAM is
 * global: the same endpoint answers it, and its ARNs name no region. EC2 reads the instance profiles through
 * `ec2View`, with IAM's propagation delay (ec2-view.ts).
 */
import { CloudError, type InstanceProfileView, type QueryParams, type ServiceModule } from '../contract';
import { iamAuthorizations } from './authorization';
import { createInstanceProfileView } from './ec2-view';
import { instanceProfileActions } from './instance-profiles';
import { roleActions } from './roles';
import { emptyState, type IamCtx, type IamDeps, type IamState } from './store';
import { tagActions } from './tags';

export const IAM_API_VERSION = '2010-05-08';
export const BUILD_ID_TAG = 'k8s-ec2:build-id';

type Handler = (ctx: IamCtx, params: QueryParams) => object;

const HANDLERS: Record<string, Handler> = { ...roleActions, ...instanceProfileActions, ...tagActions };

const handlerOf = (action: string): Handler | undefined =>
  Object.prototype.hasOwnProperty.call(HANDLERS, action) ? HANDLERS[action] : undefined;

export interface IamService extends ServiceModule {
  readonly ec2View: InstanceProfileView;
}

export type { IamDeps } from './store';

export function createIamService(deps: IamDeps): IamService {
  let state: IamState = emptyState();
  const ctx: IamCtx = {
    get state() {
      return state;
    },
    deps,
  };
  return {
    apiVersion: IAM_API_VERSION,
    protocol: 'query',
    ec2View: createInstanceProfileView(ctx),
    handle(action, params) {
      const handler = handlerOf(action);
      if (!handler) throw new CloudError('InvalidAction', `Could not find operation ${action} for version ${IAM_API_VERSION}`, 400);
      return handler(ctx, params);
    },
    // An action we do not serve needs no authorisation: `handle` answers InvalidAction.
    authorizations: (action, params) => (handlerOf(action) ? iamAuthorizations(ctx, action, params) : []),
    listByBuildId(buildId) {
      const ours = (tags: Map<string, string>) => tags.get(BUILD_ID_TAG) === buildId;
      return [
        ...[...state.roles.values()].filter((r) => ours(r.tags)).map((r) => ({ type: 'role', id: r.arn, name: r.name })),
        ...[...state.profiles.values()].filter((p) => ours(p.tags)).map((p) => ({ type: 'instance-profile', id: p.arn, name: p.name })),
      ];
    },
    reset() {
      state = emptyState();
    },
  };
}
