/**
 * The requester-managed network interfaces NAT gateways, VPC attachments and interface endpoints place in
 * subnets ("created and managed by an AWS service", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html).
 * They live until their service releases them (`releaseAt`), blocking DeleteSubnet and, with their groups,
 * DeleteSecurityGroup as any live interface does.
 */
import { nextFreeIp } from './cidr';
import { Ec2Store, EniRec, SubnetRec } from './store';

export interface ServiceInterface {
  interfaceType: 'nat_gateway' | 'vpc_endpoint' | 'transit_gateway';
  /** As AWS writes it, e.g. "Interface for NAT Gateway nat-…". */
  description: string;
  groupIds?: string[];
}

/** A new interface with the subnet's lowest free address, or undefined when the subnet has none left. */
export function addServiceInterface(s: Ec2Store, subnet: SubnetRec, spec: ServiceInterface): EniRec | undefined {
  const used = new Set(
    s
      .liveEnis()
      .filter((e) => e.subnetId === subnet.id)
      .map((e) => e.privateIp),
  );
  const privateIp = nextFreeIp(subnet.cidrBlock, used);
  if (!privateIp) return undefined;
  const id = s.newId('eni');
  const eni: EniRec = {
    id,
    tags: new Map(),
    subnetId: subnet.id,
    vpcId: subnet.vpcId,
    az: subnet.az,
    privateIp,
    groupIds: [...(spec.groupIds ?? [])],
    description: spec.description,
    mac: `02:${id.slice(4, 14).replace(/(..)(?!$)/g, '$1:')}`,
    interfaceType: spec.interfaceType,
    attachmentId: s.newId('ela-attach'),
    createdAt: s.now(),
  };
  s.enis.set(id, eni);
  return eni;
}

/** The interfaces leave their subnets at `at` (simulated epoch ms), when their service is gone. */
export function releaseServiceInterfaces(s: Ec2Store, eniIds: Array<string | undefined>, at: number): void {
  for (const id of eniIds) {
    const eni = id ? s.enis.get(id) : undefined;
    if (eni && (eni.releaseAt === undefined || eni.releaseAt > at)) eni.releaseAt = at;
  }
}
