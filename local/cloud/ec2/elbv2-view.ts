/**
 * The view ELBv2 has of EC2 (see `Ec2View` in contract.ts): subnets, security groups and instances as
 * ELBv2 sees them, and the requester-managed ENIs it creates for an NLB.
 *
 * ELBv2 learns of EC2 resources with a lag. EC2 itself is eventually consistent ("if you run a command to
 * modify or describe the resource that you just created, its ID might not have propagated throughout the
 * system, and you will get an error responding that the resource does not exist",
 * https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html), and ELBv2 is another service
 * reading EC2: right after CreateSubnet / CreateSecurityGroup / RunInstances it can answer as for an ID that
 * does not exist. So a resource younger than `latency.elbv2SeesNewEc2ResourcesAfter` is absent from this
 * view, and ELBv2 answers with the code it documents for an unknown ID:
 * - CreateLoadBalancer, a subnet: SubnetNotFound ("The specified subnet does not exist"),
 * - CreateLoadBalancer / SetSecurityGroups, a group: InvalidSecurityGroup ("The specified security group does
 *   not exist"), https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html
 * - RegisterTargets, an instance: InvalidTarget ("The specified target does not exist…"),
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_RegisterTargets.html
 */
import { CloudError, Ec2View } from '../contract';
import { nextFreeIp } from './cidr';
import { Ec2Store } from './store';

/** True once ELBv2 has caught up with a resource EC2 created at `createdAt` (simulated epoch ms). */
function seenByElbv2(s: Ec2Store, createdAt: number): boolean {
  return s.now() - createdAt >= s.latency.elbv2SeesNewEc2ResourcesAfter * 1000;
}

export function createEc2View(s: Ec2Store): Ec2View {
  return {
    subnet(id) {
      const x = s.subnets.get(id);
      if (!x || !seenByElbv2(s, x.createdAt)) return undefined;
      return { subnetId: x.id, vpcId: x.vpcId, availabilityZone: x.az, cidrBlock: x.cidrBlock };
    },
    securityGroup(id) {
      const g = s.groups.get(id);
      if (!g || !seenByElbv2(s, g.createdAt)) return undefined;
      return { groupId: g.id, vpcId: g.vpcId };
    },
    instance(id) {
      const i = s.instances.get(id);
      if (!i || !s.instanceVisible(i) || !seenByElbv2(s, i.launchedAt)) return undefined;
      return {
        instanceId: i.id,
        state: s.instanceState(i),
        vpcId: i.vpcId,
        subnetId: i.subnetId,
        privateIpAddress: i.privateIp,
        availabilityZone: i.az,
      };
    },
    createLoadBalancerInterface({ subnetId, groupIds, description }) {
      const subnet = s.subnets.get(subnetId);
      if (!subnet) throw new CloudError('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
      const used = new Set(
        s
          .liveEnis()
          .filter((e) => e.subnetId === subnetId)
          .map((e) => e.privateIp),
      );
      const privateIp = nextFreeIp(subnet.cidrBlock, used);
      if (!privateIp)
        throw new CloudError('InsufficientFreeAddressesInSubnet', `There are not enough free addresses in subnet '${subnetId}'.`);
      const id = s.newId('eni');
      s.enis.set(id, {
        id,
        tags: new Map(),
        subnetId,
        vpcId: subnet.vpcId,
        az: subnet.az,
        privateIp,
        groupIds: [...groupIds],
        description,
        mac: `02:${id.slice(4, 14).replace(/(..)(?!$)/g, '$1:')}`,
        interfaceType: 'network_load_balancer',
        requesterId: 'amazon-elb',
        attachmentId: s.newId('ela-attach'),
        createdAt: s.now(),
      });
      return id;
    },
    releaseLoadBalancerInterface(eniId, releaseAt) {
      const eni = s.enis.get(eniId);
      if (eni) eni.releaseAt = releaseAt;
    },
  };
}
