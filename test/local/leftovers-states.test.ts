/**
 * findLeftovers when an endpoint keeps the tags of ended resources visible (AWS does, for a while, for
 * terminated instances): their state decides, and one no longer listed at all is gone.
 */
import {
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DescribeTagsCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  DescribeVpcEndpointsCommand,
} from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { findLeftovers } from '../../local/leftovers';
import { mockAws } from '../fixtures/aws';

const aws = mockAws();

it('leaves out deleted or failed NAT gateways, deleted endpoints, rejected attachments and terminated instances', async () => {
  const tags = [
    ['natgateway', 'nat-live'],
    ['natgateway', 'nat-deleted'],
    ['natgateway', 'nat-failed'],
    ['vpc-endpoint', 'vpce-deleting'],
    ['vpc-endpoint', 'vpce-unlisted'],
    ['transit-gateway-attachment', 'tgw-attach-rejected'],
    ['instance', 'i-terminated'],
  ].map(([ResourceType, ResourceId]) => ({ ResourceType, ResourceId, Key: 'k8s-ec2:build-id', Value: 'b-1' })) as never;
  aws.ec2.on(DescribeTagsCommand).resolves({ Tags: tags });
  aws.ec2.on(DescribeNatGatewaysCommand).resolves({
    NatGateways: [
      { NatGatewayId: 'nat-live', State: 'available' },
      { NatGatewayId: 'nat-deleted', State: 'deleted' },
      { NatGatewayId: 'nat-failed', State: 'failed' },
    ],
  });
  // AWS sends endpoint states in lower case, whatever the SDK's `State` type says.
  aws.ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [{ VpcEndpointId: 'vpce-deleting', State: 'deleting' as never }] });
  aws.ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves({
    TransitGatewayVpcAttachments: [{ TransitGatewayAttachmentId: 'tgw-attach-rejected', State: 'rejected' }],
  });
  aws.ec2
    .on(DescribeInstancesCommand)
    .resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-terminated', State: { Name: 'terminated' } }] }] });
  aws.elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });

  expect(await findLeftovers('b-1', 'c', 'ap-northeast-2', {})).toEqual(['natgateway nat-live', 'vpc-endpoint vpce-deleting']);
  // Asked by filter: an id AWS no longer lists must not fail the whole request.
  expect(aws.ec2.commandCalls(DescribeNatGatewaysCommand)[0].args[0].input).toEqual({
    Filter: [{ Name: 'nat-gateway-id', Values: ['nat-live', 'nat-deleted', 'nat-failed'] }],
  });
});
