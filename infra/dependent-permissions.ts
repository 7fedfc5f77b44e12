/**
 * Permissions AWS checks on the caller *besides* the action called — one table, with the AWS page that
 * documents each row. The permission table (infra/permissions.ts) grants them to the roles that call these
 * actions, and the embedded cloud (local/cloud/iam/) demands them on every such request, so a row missing
 * here or a grant missing there fails offline exactly as it would fail in a real account.
 */

export const ELB_API_PERMISSIONS_PAGE = 'https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-api-permissions.html';
export const ELB_SERVICE_LINKED_ROLE_PAGE =
  'https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-service-linked-roles.html';
export const EBS_ENCRYPTION_PERMISSIONS_PAGE = 'https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html';

export interface DependentPermissions {
  /** Actions the caller must also be allowed, each evaluated on Resource "*" (they are EC2 Describe calls). */
  requires: readonly string[];
  source: string;
}

/**
 * "Elastic Load Balancing API permissions", required permissions for the 2015-12-01 API: the EC2 reads ELB
 * makes with the caller's credentials. Actions the page does not list (CreateListener, DeregisterTargets,
 * Modify*, Delete*, Describe*) need nothing beyond themselves.
 */
export const EC2_AUTHORIZATION_REFERENCE_PAGE = 'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html';

export const DEPENDENT_PERMISSIONS: Readonly<Record<string, DependentPermissions>> = {
  // Service Authorization Reference, ec2:CreateVpcEndpoint, "Dependent actions": an interface endpoint with
  // private DNS associates the VPC with the service's private hosted zone on the caller's behalf.
  'ec2:CreateVpcEndpoint': { requires: ['route53:AssociateVPCWithHostedZone'], source: EC2_AUTHORIZATION_REFERENCE_PAGE },
  'elasticloadbalancing:CreateLoadBalancer': {
    requires: [
      'ec2:DescribeAccountAttributes',
      'ec2:DescribeAddresses',
      'ec2:DescribeInternetGateways',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeSubnets',
      'ec2:DescribeVpcs',
    ],
    source: ELB_API_PERMISSIONS_PAGE,
  },
  'elasticloadbalancing:CreateTargetGroup': {
    requires: ['ec2:DescribeInternetGateways', 'ec2:DescribeVpcs'],
    source: ELB_API_PERMISSIONS_PAGE,
  },
  'elasticloadbalancing:RegisterTargets': {
    requires: ['ec2:DescribeInstances', 'ec2:DescribeInternetGateways', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs'],
    source: ELB_API_PERMISSIONS_PAGE,
  },
  'elasticloadbalancing:SetIpAddressType': { requires: ['ec2:DescribeSubnets'], source: ELB_API_PERMISSIONS_PAGE },
  'elasticloadbalancing:SetSubnets': { requires: ['ec2:DescribeSubnets'], source: ELB_API_PERMISSIONS_PAGE },
};

/**
 * CreateLoadBalancer also needs `iam:CreateServiceLinkedRole` (iam:AWSServiceName =
 * elasticloadbalancing.amazonaws.com) while the account has no AWSServiceRoleForElasticLoadBalancing: ELB
 * creates that role on the account's first load balancer.
 */
export const ELB_SERVICE_LINKED_ROLE_ACTION = 'iam:CreateServiceLinkedRole';
export const ELB_SERVICE_NAME = 'elasticloadbalancing.amazonaws.com';

/** A service that creates its service-linked role the first time an account calls `action`. */
export interface ServiceLinkedRoleDependency {
  serviceName: string;
  roleName: string;
  source: string;
}

/**
 * The actions whose first call in an account makes the service create its service-linked role, so the caller
 * needs `iam:CreateServiceLinkedRole` (iam:AWSServiceName = the service) until that role exists.
 */
export const SERVICE_LINKED_ROLES: Readonly<Record<string, ServiceLinkedRoleDependency>> = {
  'elasticloadbalancing:CreateLoadBalancer': {
    serviceName: ELB_SERVICE_NAME,
    roleName: 'AWSServiceRoleForElasticLoadBalancing',
    source: ELB_SERVICE_LINKED_ROLE_PAGE,
  },
  // "Amazon VPC creates the service-linked role when you create a transit gateway VPC attachment."
  'ec2:CreateTransitGatewayVpcAttachment': {
    serviceName: 'transitgateway.amazonaws.com',
    roleName: 'AWSServiceRoleForVPCTransitGateway',
    source: 'https://docs.aws.amazon.com/vpc/latest/tgw/service-linked-roles.html',
  },
};

/**
 * Launching an instance whose EBS volumes are encrypted with a customer-managed KMS key (for example an
 * account that encrypts by default with its own key) needs these KMS actions on that key; EC2 calls KMS on
 * the caller's behalf (kms:ViaService = ec2.<region>.amazonaws.com), and the grant it creates is for an
 * AWS resource (kms:GrantIsForAWSResource). AWS-managed `alias/aws/ebs` needs none of them.
 */
export { EBS_CUSTOMER_KEY_ACTIONS } from '../functions/core/ebs-kms';

/** The dependent reads of the given actions, deduplicated and sorted (what a role calling them needs too). */
export function dependentReads(...actions: string[]): string[] {
  return [...new Set(actions.flatMap((action) => DEPENDENT_PERMISSIONS[action]?.requires ?? []))].sort();
}
