/**
 * What IAM evaluates for each ELBv2 request (Service Authorization Reference, "Elastic Load Balancing V2",
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html):
 * - CreateLoadBalancer / CreateTargetGroup: the new resource's ARN (its id does not exist yet: `…/<name>/*`)
 *   with `aws:RequestTag/<key>` and `aws:TagKeys` from `Tags`;
 * - CreateListener: the load balancer it goes on (the action's only resource type), with that load
 *   balancer's `aws:ResourceTag/…` and the listener's requested tags;
 * - tag-on-create: when a create carries `Tags`, `elasticloadbalancing:AddTags` on the new resource with
 *   `elasticloadbalancing:CreateAction` = the action
 *   (https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/tagging-resources-during-creation.html);
 * - everything else: the existing load balancer / target group / listener with its `aws:ResourceTag/…` and
 *   `elasticloadbalancing:ResourceTag/…`; Describe* on `*`.
 * The permissions ELB checks besides these (EC2 reads, the service-linked role) are added by local/cloud/iam.
 * A named resource that does not exist is left out: the action answers its NotFound (docs/design.md "10.8 IAM enforcement").
 */
import { CloudError, type AuthorizationRequest, type QueryParams } from '../contract';
import { str, stringList, structList } from './params';
import { arnPrefix, type Ctx } from './store';

type Tagged = { arn: string; tags: Map<string, string> };

function tagsOf(params: QueryParams): Map<string, string> {
  return new Map(structList(params, 'Tags').map((t) => [t.Key ?? '', t.Value ?? '']));
}

function requestTagContext(tags: Map<string, string>): Record<string, string | string[]> {
  if (tags.size === 0) return {};
  return { ...Object.fromEntries([...tags].map(([k, v]) => [`aws:RequestTag/${k}`, v])), 'aws:TagKeys': [...tags.keys()] };
}

function resourceTagContext(tags: Map<string, string>): Record<string, string> {
  const context: Record<string, string> = {};
  for (const [k, v] of tags) {
    context[`aws:ResourceTag/${k}`] = v;
    context[`elasticloadbalancing:ResourceTag/${k}`] = v;
  }
  return context;
}

const EXISTING: Record<string, string> = {
  DeleteLoadBalancer: 'LoadBalancerArn',
  ModifyLoadBalancerAttributes: 'LoadBalancerArn',
  SetSecurityGroups: 'LoadBalancerArn',
  DeleteTargetGroup: 'TargetGroupArn',
  ModifyTargetGroupAttributes: 'TargetGroupArn',
  RegisterTargets: 'TargetGroupArn',
  DeregisterTargets: 'TargetGroupArn',
  DeleteListener: 'ListenerArn',
};

export function elbv2Authorizations(ctx: Ctx, action: string, params: QueryParams): AuthorizationRequest[] {
  const iamAction = `elasticloadbalancing:${action}`;
  if (/^Describe/.test(action)) return [{ action: iamAction, resource: '*', context: {} }];
  const { loadBalancers, targetGroups, listeners } = ctx.state;
  const find = (arn: string | undefined): Tagged | undefined =>
    arn ? (loadBalancers.get(arn) ?? targetGroups.get(arn) ?? listeners.get(arn)) : undefined;
  const existing = (resource: Tagged | undefined, extra: Record<string, string | string[]> = {}): AuthorizationRequest[] =>
    resource ? [{ action: iamAction, resource: resource.arn, context: { ...resourceTagContext(resource.tags), ...extra } }] : [];
  const tags = tagsOf(params);
  const creating = (resource: string): AuthorizationRequest[] => [
    { action: iamAction, resource, context: requestTagContext(tags) },
    ...(tags.size
      ? [
          {
            action: 'elasticloadbalancing:AddTags',
            resource,
            context: { ...requestTagContext(tags), 'elasticloadbalancing:CreateAction': action },
          },
        ]
      : []),
  ];

  switch (action) {
    case 'CreateLoadBalancer':
      return creating(
        `${arnPrefix(ctx)}:loadbalancer/${str(params, 'Type') === 'application' ? 'app' : 'net'}/${str(params, 'Name') ?? ''}/*`,
      );
    case 'CreateTargetGroup':
      return creating(`${arnPrefix(ctx)}:targetgroup/${str(params, 'Name') ?? ''}/*`);
    case 'CreateListener': {
      const lb = loadBalancers.get(str(params, 'LoadBalancerArn') ?? '');
      if (!lb) return [];
      const listenerArn = `${lb.arn.replace(':loadbalancer/', ':listener/')}/*`;
      return [
        ...existing(lb, requestTagContext(tags)),
        ...(tags.size
          ? [
              {
                action: 'elasticloadbalancing:AddTags',
                resource: listenerArn,
                context: { ...requestTagContext(tags), 'elasticloadbalancing:CreateAction': action },
              },
            ]
          : []),
      ];
    }
    case 'AddTags':
    case 'RemoveTags':
      return stringList(params, 'ResourceArns').flatMap((arn) => existing(find(arn), action === 'AddTags' ? requestTagContext(tags) : {}));
    default:
      if (EXISTING[action]) return existing(find(str(params, EXISTING[action])));
      throw new CloudError('InternalFailure', `Embedded cloud: no IAM model for ${iamAction}`, 500);
  }
}
