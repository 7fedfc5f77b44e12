/**
 * findLeftovers against the embedded cloud: NAT gateways, VPC endpoints and VPC attachments tagged with the
 * build id are left over while they live (deleting included) and not once AWS lists them as deleted.
 */
import * as E from '@aws-sdk/client-ec2';
import { findLeftovers } from '../../local/leftovers';
import { control, twoZoneNetwork } from './cloud/connectivity-fixtures';
import { BUILD_TAG, tagSpec } from './cloud/fixtures';
import { Harness, startHarness, stopHarness } from './cloud/helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    throttling: false,
    latency: { natGatewayDeletingToDeleted: 60, vpcEndpointDeletingToDeleted: 60, transitGatewayAttachmentDeletingToDeleted: 60 },
  });
});
afterAll(() => stopHarness(h));

const leftovers = () =>
  findLeftovers('b-1', 'c', 'ap-northeast-2', { AWS_ENDPOINT_URL: h.cloud.url }, { accessKeyId: 'op', secretAccessKey: 'op' });

it('counts live NAT gateways, endpoints and attachments, deleting ones too, and not deleted ones', async () => {
  const net = await twoZoneNetwork(h.ec2, { igw: true });
  const ours = (type: E.ResourceType) => [tagSpec(type, { [BUILD_TAG]: 'b-1' })];
  const { AllocationId } = await h.ec2.send(new E.AllocateAddressCommand({ Domain: 'vpc' }));
  const nat = (
    await h.ec2.send(new E.CreateNatGatewayCommand({ SubnetId: net.subnetIds[0], AllocationId, TagSpecifications: ours('natgateway') }))
  ).NatGateway!.NatGatewayId!;
  const vpce = (
    await h.ec2.send(
      new E.CreateVpcEndpointCommand({
        VpcId: net.vpcId,
        ServiceName: 'com.amazonaws.ap-northeast-2.s3',
        TagSpecifications: ours('vpc-endpoint'),
      }),
    )
  ).VpcEndpoint!.VpcEndpointId!;
  const gateway = (await control(h, 'POST', '/_cloud/transit-gateways', { autoAcceptSharedAttachments: false })).body as {
    transitGatewayId: string;
  };
  const attachment = (
    await h.ec2.send(
      new E.CreateTransitGatewayVpcAttachmentCommand({
        TransitGatewayId: gateway.transitGatewayId,
        VpcId: net.vpcId,
        SubnetIds: net.subnetIds,
        TagSpecifications: ours('transit-gateway-attachment'),
      }),
    )
  ).TransitGatewayVpcAttachment!.TransitGatewayAttachmentId!;
  const mine = [`natgateway ${nat}`, `vpc-endpoint ${vpce}`, `transit-gateway-attachment ${attachment}`];
  expect(await leftovers()).toEqual(expect.arrayContaining(mine));

  await h.ec2.send(new E.DeleteNatGatewayCommand({ NatGatewayId: nat }));
  await h.ec2.send(new E.DeleteVpcEndpointsCommand({ VpcEndpointIds: [vpce] }));
  await h.ec2.send(new E.DeleteTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: attachment }));
  expect(await leftovers()).toEqual(expect.arrayContaining(mine)); // deleting
  h.cloud.clock.advance(60);
  const after = await leftovers();
  for (const item of mine) expect(after).not.toContain(item);
  expect(after).toContain(`vpc ${net.vpcId}`);
});
