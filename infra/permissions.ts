import type { StepFunctionId } from '../workflows/steps';
import { nodeProfileCreate, nodeProfileDelete } from './iam-node-profile';
import { dependentReads, EC2_AUTHORIZATION_REFERENCE_PAGE, ELB_SERVICE_LINKED_ROLE_ACTION } from './dependent-permissions';
import {
  dependentOf,
  ebsCustomerManagedKey,
  ec2,
  ec2Create,
  ec2Foreign,
  ec2Image,
  ec2Owned,
  elb,
  elbCreate,
  elbCreateListener,
  elbOwned,
  elbServiceLinkedRole,
  serviceLinkedRole,
  ec2OfAnyAccount,
  ec2RenameOwned,
  readOnly,
  type Grant,
} from './iam';

/**
 * What each step's Lambda may do: exactly the AWS calls its handler makes (the SDK commands left in its
 * bundle — test/infra/permissions.test.ts checks this table against the bundles both ways), each bound to
 * our ownership tag where AWS supports a condition for it, plus what AWS checks besides those calls
 * (infra/dependent-permissions.ts). Written per step, not shared, so a step that only reads
 * (WaitUntilReady, VerifyBaseline) cannot delete, and a teardown step cannot create.
 *
 * One source of truth: the stack renders this table (infra/functions.ts) and the embedded cloud enforces it
 * on every request of a step (local/cloud/iam/); test/infra/permissions.test.ts proves the synthesized
 * template's policies equal it.
 */

const vpc = ec2('vpc');
const subnet = ec2('subnet');
const internetGateway = ec2('internet-gateway');
const routeTable = ec2('route-table');
const securityGroup = ec2('security-group');
const securityGroupRule = ec2('security-group-rule');
const instance = ec2('instance');
const volume = ec2('volume');
const networkInterface = ec2('network-interface');
const elasticIp = ec2('elastic-ip');
const natGateway = ec2('natgateway');
const vpcEndpoint = ec2('vpc-endpoint');
const transitGatewayOfAnyAccount = ec2OfAnyAccount('transit-gateway');
const transitGatewayAttachment = ec2('transit-gateway-attachment');

/** What ConnectNetwork and its teardown read to find the connections by tag and follow their states. */
const CONNECTION_DESCRIBES = [
  'ec2:DescribeAddresses',
  'ec2:DescribeNatGateways',
  'ec2:DescribeVpcEndpoints',
  'ec2:DescribeTransitGatewayVpcAttachments',
];

/** What both the network build and its teardown read (they find the same resources by tag). */
const NETWORK_DESCRIBES = [
  'ec2:DescribeVpcs',
  'ec2:DescribeSubnets',
  'ec2:DescribeInternetGateways',
  'ec2:DescribeRouteTables',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSecurityGroupRules',
];
const keyPair = ec2('key-pair');

/**
 * RunInstances: what it creates is tagged on create; the subnet and security group it uses are ours. An
 * account that encrypts EBS by default with its own KMS key also needs that key (preflight names it).
 */
const runInstances = (): Grant[] => [
  ...ec2Create('RunInstances', {
    creates: [instance, volume, networkInterface],
    usesOwned: [subnet, securityGroup],
    usesForeign: [ec2Image, keyPair],
  }),
  ...ebsCustomerManagedKey(),
];

/**
 * Deleting the connections (resources/connections.ts): started by DeleteLoadBalancer, which also removes the
 * Transit Gateway routes first (`routes`), awaited by DeleteNetwork, which leaves the routes to their tables.
 */
function connectionDeletes({ routes }: { routes: boolean }): Grant[] {
  return [
    // The route tables are read to find the Transit Gateway routes.
    readOnly([...CONNECTION_DESCRIBES, ...(routes ? ['ec2:DescribeRouteTables'] : [])]),
    ec2Owned(['DeleteTransitGatewayVpcAttachment'], [transitGatewayAttachment]),
    // The Transit Gateway routes go before the attachment.
    ...(routes ? [ec2Owned(['DeleteRoute'], [routeTable])] : []),
    ec2Owned(['DeleteVpcEndpoints'], [vpcEndpoint]),
    ec2Owned(['DeleteNatGateway'], [natGateway]),
    ec2Owned(['ReleaseAddress'], [elasticIp]),
  ];
}

export const STEP_PERMISSIONS: Record<StepFunctionId, Grant[]> = {
  preflight: [
    readOnly([
      'ec2:DescribeAvailabilityZones',
      'ec2:DescribeInstanceTypeOfferings',
      'ec2:DescribeInstanceTypes',
      'ec2:DescribeImages',
      'ec2:DescribeKeyPairs',
      'ec2:DescribeVpcs',
      'ec2:DescribeAddresses',
      'ec2:DescribeInstances',
      'ec2:GetEbsEncryptionByDefault',
      'ec2:GetEbsDefaultKmsKeyId',
      'ec2:DescribeTransitGateways',
      'ec2:DescribeVpcEndpointServices',
      'elasticloadbalancing:DescribeLoadBalancers',
      'elasticloadbalancing:DescribeTags',
      'servicequotas:GetServiceQuota',
    ]),
  ],
  createNetwork: [
    readOnly(NETWORK_DESCRIBES),
    ...ec2Create('CreateVpc', { creates: [vpc] }),
    ...ec2Create('CreateSubnet', { creates: [subnet], usesOwned: [vpc] }),
    ...ec2Create('CreateInternetGateway', { creates: [internetGateway] }),
    ...ec2Create('CreateRouteTable', { creates: [routeTable], usesOwned: [vpc] }),
    ...ec2Create('CreateSecurityGroup', { creates: [securityGroup], usesOwned: [vpc] }),
    // Ingress rules are tagged on create too (TagSpecifications of type security-group-rule).
    ...ec2Create('AuthorizeSecurityGroupIngress', { creates: [securityGroupRule], usesOwned: [securityGroup] }),
    ec2Owned(['ModifyVpcAttribute'], [vpc]),
    ec2Owned(['AttachInternetGateway'], [internetGateway, vpc]),
    ec2Owned(['CreateRoute'], [routeTable, internetGateway]),
    ec2Owned(['AssociateRouteTable'], [routeTable, subnet]),
  ],
  connectNetwork: [
    // DescribeTransitGateways: the gateway's owner account, named in the "accept attachment … in account …" wait.
    readOnly([...CONNECTION_DESCRIBES, 'ec2:DescribeRouteTables', 'ec2:DescribeTransitGateways']),
    dependentOf('ec2:CreateVpcEndpoint', dependentReads('ec2:CreateVpcEndpoint'), EC2_AUTHORIZATION_REFERENCE_PAGE),
    ...ec2Create('AllocateAddress', { creates: [elasticIp] }),
    ...ec2Create('CreateNatGateway', { creates: [natGateway], usesOwned: [subnet, vpc, elasticIp] }),
    ...ec2Create('CreateVpcEndpoint', { creates: [vpcEndpoint], usesOwned: [vpc, subnet, securityGroup, routeTable] }),
    ...ec2Create('CreateTransitGatewayVpcAttachment', { creates: [transitGatewayAttachment], usesOwned: [vpc, subnet] }),
    ec2Foreign(
      ['CreateTransitGatewayVpcAttachment'],
      [transitGatewayOfAnyAccount],
      'the Transit Gateway named in the spec belongs to the network team, often in another account (shared through RAM): its ARN carries the owner account and no tag of ours; attachments to it only',
    ),
    serviceLinkedRole('ec2:CreateTransitGatewayVpcAttachment'),
    // CreateRoute authorises the route table only (Service Authorization Reference), whatever the target.
    ec2Owned(['CreateRoute'], [routeTable]),
  ],
  launchNodes: [
    ...runInstances(),
    // Nodes are launched in groups under one Name (resources/node-launch.ts); each instance then gets its own.
    ec2RenameOwned([instance]),
    // Without a bastion, nodes get a Session Manager instance profile (resources/instance-profile.ts).
    ...nodeProfileCreate(),
  ],
  createLoadBalancer: [
    // One Describe: the NLB an earlier attempt made, before spending a scarce CreateLoadBalancer token on it
    // again (resources/load-balancer.ts); the target groups and listeners are created without one (idempotent) and
    // attributes are set without reading them first (docs/design.md "13.2 Build steps: fewer calls").
    // ELB reads the VPC, subnets, security groups… with our credentials while it creates (AWS-documented).
    readOnly([
      'elasticloadbalancing:DescribeLoadBalancers',
      ...dependentReads('elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup'),
    ]),
    ...elbCreate('CreateLoadBalancer', elb.loadBalancer),
    ...elbCreate('CreateTargetGroup', elb.targetGroup),
    // A listener is created on our load balancer, and tagged on create like the rest.
    ...elbCreateListener(),
    elbOwned(['ModifyLoadBalancerAttributes'], [elb.loadBalancer]),
    elbOwned(['ModifyTargetGroupAttributes'], [elb.targetGroup]),
    elbServiceLinkedRole(),
  ],
  launchBastion: [
    // RunInstances' ClientToken stands in for a DescribeInstances; the address is read by tag or by id.
    readOnly(['ec2:DescribeAddresses']),
    ...runInstances(),
    ...ec2Create('AllocateAddress', { creates: [elasticIp] }),
    ec2Owned(['AssociateAddress'], [elasticIp, instance, networkInterface]),
  ],
  registerTargets: [
    // It registers the ids the state carries, after readiness, without describing anything first.
    readOnly(dependentReads('elasticloadbalancing:RegisterTargets')),
    elbOwned(['RegisterTargets'], [elb.targetGroup]),
  ],
  waitUntilReady: [
    // By the ids in the state: no DescribeInstances/DescribeVolumes by tag, no DescribeTags, no target health.
    readOnly(['ec2:DescribeInstanceStatus', 'ec2:DescribeAddresses', 'elasticloadbalancing:DescribeLoadBalancers']),
    // The bastion's Elastic IP can only be associated once the instance runs, so readiness does it.
    ec2Owned(['AssociateAddress'], [elasticIp, instance, networkInterface]),
  ],
  verifyBaseline: [
    readOnly([
      'ec2:DescribeInstances',
      'ec2:DescribeVolumes',
      'ec2:DescribeRouteTables',
      'ec2:DescribeSecurityGroupRules',
      'ec2:DescribeNatGateways',
      'ec2:DescribeVpcEndpoints',
      'ec2:DescribeTransitGatewayVpcAttachments',
      'ec2:DescribeTransitGateways',
      'ec2:DescribeVpcAttribute',
      'elasticloadbalancing:DescribeLoadBalancers',
      'elasticloadbalancing:DescribeLoadBalancerAttributes',
      'elasticloadbalancing:DescribeTargetGroupAttributes',
    ]),
  ],
  teardownLoadBalancer: [
    readOnly([
      'elasticloadbalancing:DescribeLoadBalancers',
      'elasticloadbalancing:DescribeTags',
      'elasticloadbalancing:DescribeTargetGroups',
    ]),
    // No listener grants: deleting the load balancer deletes its listeners (API_DeleteLoadBalancer).
    elbOwned(['DeleteLoadBalancer'], [elb.loadBalancer]),
    elbOwned(['DeleteTargetGroup'], [elb.targetGroup]),
    // It starts the connections' deletes too, so their minute passes while the NLB and the instances go.
    ...connectionDeletes({ routes: true }),
  ],
  teardownInstances: [
    readOnly(['ec2:DescribeInstances', 'ec2:DescribeAddresses']),
    ec2Owned(['TerminateInstances'], [instance]),
    ec2Owned(['DisassociateAddress'], [elasticIp, instance, networkInterface]),
    ec2Owned(['ReleaseAddress'], [elasticIp]),
  ],
  teardownNetwork: [
    // The rules come with DescribeSecurityGroups' answer: no DescribeSecurityGroupRules here.
    readOnly([...NETWORK_DESCRIBES.filter((action) => action !== 'ec2:DescribeSecurityGroupRules'), 'ec2:DescribeNetworkInterfaces']),
    // No DeleteRoute: DeleteLoadBalancer removed the Transit Gateway routes, the route tables take the rest with them.
    ...connectionDeletes({ routes: false }),
    ec2Owned(['RevokeSecurityGroupIngress'], [securityGroup, securityGroupRule]),
    ec2Owned(['DeleteSecurityGroup'], [securityGroup]),
    ec2Owned(['DisassociateRouteTable'], [routeTable, subnet]),
    ec2Owned(['DeleteRouteTable'], [routeTable]),
    ec2Owned(['DetachInternetGateway'], [internetGateway, vpc]),
    ec2Owned(['DeleteInternetGateway'], [internetGateway]),
    ec2Owned(['DeleteSubnet'], [subnet]),
    ec2Owned(['DeleteVpc'], [vpc]),
    ...nodeProfileDelete(),
  ],
};

/**
 * Permissions a handler needs that are not SDK commands in its bundle (AWS authorises them implicitly):
 * tag-on-create, ELB's service-linked role, the KMS calls EC2 makes for a customer-managed EBS key, and the
 * dependent reads of infra/dependent-permissions.ts. The bundle check allows exactly these extras.
 */
export const IMPLIED_ACTIONS: readonly string[] = [
  'ec2:CreateTags',
  'elasticloadbalancing:AddTags',
  ELB_SERVICE_LINKED_ROLE_ACTION,
  ...ebsCustomerManagedKey().flatMap((grant) => grant.actions),
  // Authorised by IAM when RunInstances/AddRoleToInstanceProfile pass the node role, and when a create tags.
  'iam:PassRole',
  'iam:TagRole',
  'iam:TagInstanceProfile',
];

/** A dependent read is implied only for a role that calls the action it depends on. */
export function impliedFor(calls: readonly string[]): string[] {
  return [...IMPLIED_ACTIONS, ...dependentReads(...calls)];
}
