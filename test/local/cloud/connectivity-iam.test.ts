/**
 * IAM for the transit gateway, NAT gateway and VPC endpoint actions: each request is authorised on the resource
 * types the Service Authorization Reference lists for it, a shared gateway under its owner's ARN, tag-on-create
 * as ec2:CreateTags with ec2:CreateAction.
 */
import * as E from '@aws-sdk/client-ec2';
import { control, twoZoneNetwork } from './connectivity-fixtures';
import { BUILD_TAG, tagSpec } from './fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ throttling: false });
});
afterAll(() => stopHarness(h));
afterEach(() => h.cloud.reset());

interface Statement {
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string>>;
}

function clientFor(statements: Statement[]) {
  const credentials = h.cloud.iam.account.assumeRole(`role-${Math.random()}`, 'session', { Version: '2012-10-17', Statement: statements });
  return {
    ec2: new E.EC2Client({ region: 'ap-northeast-2', endpoint: h.cloud.url, credentials, maxAttempts: 1 }),
    principal: credentials.principalArn,
  };
}

const ARN = 'arn:aws:ec2:ap-northeast-2:123456789012';
/** What the first VPC attachment of an account needs (docs: Transit Gateway service-linked role). */
const SERVICE_LINKED_ROLE: Statement = {
  Effect: 'Allow',
  Action: ['iam:CreateServiceLinkedRole'],
  Resource: ['arn:aws:iam::123456789012:role/aws-service-role/transitgateway.amazonaws.com/AWSServiceRoleForVPCTransitGateway'],
  Condition: { StringEquals: { 'iam:AWSServiceName': 'transitgateway.amazonaws.com' } },
};
const OURS = { StringEquals: { [`aws:RequestTag/${BUILD_TAG}`]: 'b-1' } };

describe('CreateNatGateway authorisation', () => {
  const natStatements = (withSubnet: boolean): Statement[] => [
    { Effect: 'Allow', Action: ['ec2:CreateNatGateway'], Resource: [`${ARN}:natgateway/*`], Condition: OURS },
    {
      Effect: 'Allow',
      Action: ['ec2:CreateNatGateway'],
      Resource: [`${ARN}:elastic-ip/*`, `${ARN}:vpc/*`, ...(withSubnet ? [`${ARN}:subnet/*`] : [])],
    },
    {
      Effect: 'Allow',
      Action: ['ec2:CreateTags'],
      Resource: [`${ARN}:natgateway/*`],
      Condition: { StringEquals: { 'ec2:CreateAction': 'CreateNatGateway' } },
    },
  ];

  it('is evaluated on the new natgateway (with its request tags), the subnet, its VPC and the Elastic IP', async () => {
    const net = await twoZoneNetwork(h.ec2, { igw: true });
    const { AllocationId } = await h.ec2.send(new E.AllocateAddressCommand({ Domain: 'vpc' }));
    const request = (tags: Record<string, string>) =>
      new E.CreateNatGatewayCommand({ SubnetId: net.subnetIds[0], AllocationId, TagSpecifications: [tagSpec('natgateway', tags)] });

    const { ec2, principal } = clientFor(natStatements(true));
    const untagged = await rejection(ec2.send(request({ team: 'other' })));
    expect([untagged.name, untagged.$metadata.httpStatusCode]).toEqual(['UnauthorizedOperation', 403]);
    expect(untagged.message).toContain(
      `User: ${principal} is not authorized to perform: ec2:CreateNatGateway on resource: ${ARN}:natgateway/*`,
    );
    expect((await ec2.send(request({ [BUILD_TAG]: 'b-1' }))).NatGateway?.NatGatewayId).toMatch(/^nat-/);

    const noSubnet = clientFor(natStatements(false));
    const denied = await rejection(noSubnet.ec2.send(request({ [BUILD_TAG]: 'b-1' })));
    expect(denied.message).toContain(`ec2:CreateNatGateway on resource: ${ARN}:subnet/${net.subnetIds[0]}`);
  });
});

describe('CreateTransitGatewayVpcAttachment authorisation', () => {
  it('evaluates a shared gateway under the ARN of the account that owns it', async () => {
    const net = await twoZoneNetwork(h.ec2);
    const shared = await control(h, 'POST', '/_cloud/transit-gateways', { autoAcceptSharedAttachments: true, ownerId: '444455556666' });
    const gatewayId = (shared.body as { transitGatewayId: string }).transitGatewayId;
    const request = new E.CreateTransitGatewayVpcAttachmentCommand({
      TransitGatewayId: gatewayId,
      VpcId: net.vpcId,
      SubnetIds: net.subnetIds,
      TagSpecifications: [tagSpec('transit-gateway-attachment', { [BUILD_TAG]: 'b-1' })],
    });
    const statements = (gatewayResource: string, withServiceLinkedRole = true): Statement[] => [
      {
        Effect: 'Allow',
        Action: ['ec2:CreateTransitGatewayVpcAttachment'],
        Resource: [`${ARN}:transit-gateway-attachment/*`],
        Condition: OURS,
      },
      {
        Effect: 'Allow',
        Action: ['ec2:CreateTransitGatewayVpcAttachment'],
        Resource: [`${ARN}:vpc/*`, `${ARN}:subnet/*`, gatewayResource],
      },
      {
        Effect: 'Allow',
        Action: ['ec2:CreateTags'],
        Resource: [`${ARN}:transit-gateway-attachment/*`],
        Condition: { StringEquals: { 'ec2:CreateAction': 'CreateTransitGatewayVpcAttachment' } },
      },
      ...(withServiceLinkedRole ? [SERVICE_LINKED_ROLE] : []),
    ];
    const ownAccountOnly = clientFor(statements(`${ARN}:transit-gateway/*`));
    const denied = await rejection(ownAccountOnly.ec2.send(request));
    expect(denied.message).toContain(
      `ec2:CreateTransitGatewayVpcAttachment on resource: arn:aws:ec2:ap-northeast-2:444455556666:transit-gateway/${gatewayId}`,
    );
    // The account's first attachment makes VPC create its service-linked role, on the caller's permission.
    const noServiceLinkedRole = clientFor(statements('arn:aws:ec2:ap-northeast-2:*:transit-gateway/*', false));
    expect((await rejection(noServiceLinkedRole.ec2.send(request))).message).toContain(
      'iam:CreateServiceLinkedRole on resource: arn:aws:iam::123456789012:role/aws-service-role/transitgateway.amazonaws.com/AWSServiceRoleForVPCTransitGateway',
    );
    const anyAccount = clientFor(statements('arn:aws:ec2:ap-northeast-2:*:transit-gateway/*'));
    expect((await anyAccount.ec2.send(request)).TransitGatewayVpcAttachment?.State).toBe('pending');
  });
});

describe('VPC endpoint authorisation', () => {
  it('needs ec2:DeleteVpcEndpoints on each endpoint, by its tags; DescribeVpcEndpointServices is on "*"', async () => {
    const net = await twoZoneNetwork(h.ec2);
    const tagged = (tags: Record<string, string>) =>
      h.ec2.send(
        new E.CreateVpcEndpointCommand({
          VpcEndpointType: 'Gateway',
          VpcId: net.vpcId,
          ServiceName: 'com.amazonaws.ap-northeast-2.s3',
          TagSpecifications: [tagSpec('vpc-endpoint', tags)],
        }),
      );
    const ours = (await tagged({ [BUILD_TAG]: 'b-1' })).VpcEndpoint!.VpcEndpointId!;
    const theirs = (await tagged({ team: 'other' })).VpcEndpoint!.VpcEndpointId!;
    const { ec2 } = clientFor([
      {
        Effect: 'Allow',
        Action: ['ec2:DeleteVpcEndpoints'],
        Resource: [`${ARN}:vpc-endpoint/*`],
        Condition: { StringEquals: { [`aws:ResourceTag/${BUILD_TAG}`]: 'b-1' } },
      },
      { Effect: 'Allow', Action: ['ec2:DescribeVpcEndpointServices'], Resource: ['*'] },
    ]);
    const denied = await rejection(ec2.send(new E.DeleteVpcEndpointsCommand({ VpcEndpointIds: [theirs] })));
    expect(denied.message).toContain(`ec2:DeleteVpcEndpoints on resource: ${ARN}:vpc-endpoint/${theirs}`);
    expect((await ec2.send(new E.DeleteVpcEndpointsCommand({ VpcEndpointIds: [ours] }))).Unsuccessful).toEqual([]);
    expect((await ec2.send(new E.DescribeVpcEndpointServicesCommand({}))).ServiceNames!.length).toBeGreaterThan(10);
  });
});
