/** Read-only facts: AZs, instance types and offerings, public images, account attributes. */
import { CloudError } from '../contract';
import { QUOTA_CODES } from '../quotas';
import { Actions, Args, invalidValue } from './args';
import { availabilityZones, IMAGES, ImageInfo, INSTANCE_TYPES, offeredIn, OWNER_ALIASES } from './catalog';
import { applyFilters, FilterFields, paginate } from './filters';
import { Ec2Store } from './store';

const untagged = <T>(x: T) => ({ ...x, tags: new Map<string, string>() });

type Zone = { name: string; id: string; tags: Map<string, string> };
type Offering = { type: string; location: string; tags: Map<string, string> };
type Image = ImageInfo & { tags: Map<string, string> };
type TypeRow = { type: string; tags: Map<string, string> };

function imageWire(i: ImageInfo) {
  return {
    imageId: i.id,
    imageLocation: `${i.ownerId}/${i.name}`,
    imageState: 'available',
    imageOwnerId: i.ownerId,
    creationDate: i.creationDate,
    isPublic: true,
    architecture: i.architecture,
    imageType: 'machine',
    name: i.name,
    description: i.description,
    rootDeviceType: 'ebs',
    rootDeviceName: i.rootDeviceName,
    virtualizationType: 'hvm',
    hypervisor: 'xen',
    enaSupport: true,
    platformDetails: i.name.startsWith('RHEL') ? 'Red Hat Enterprise Linux' : 'Linux/UNIX',
    usageOperation: i.name.startsWith('RHEL') ? 'RunInstances:0010' : 'RunInstances',
    blockDeviceMapping: [
      {
        deviceName: i.rootDeviceName,
        ebs: {
          deleteOnTermination: true,
          snapshotId: `snap-${i.id.slice(4)}`,
          volumeSize: i.rootVolumeSize,
          volumeType: i.rootVolumeType,
          encrypted: false,
        },
      },
    ],
  };
}

export function regionActions(s: Ec2Store): Actions {
  const zones = availabilityZones(s.region);
  const zoneFields: FilterFields<Zone> = {
    'zone-name': (z) => z.name,
    'zone-id': (z) => z.id,
    state: () => 'available',
    'region-name': () => s.region,
    'zone-type': () => 'availability-zone',
  };
  const offeringFields: FilterFields<Offering> = { 'instance-type': (o) => o.type, location: (o) => o.location };
  const typeFields: FilterFields<TypeRow> = {
    'instance-type': (t) => t.type,
    'processor-info.supported-architecture': (t) => INSTANCE_TYPES[t.type].architecture,
    'vcpu-info.default-vcpus': (t) => INSTANCE_TYPES[t.type].vcpus,
    'current-generation': () => true,
  };
  const imageFields: FilterFields<Image> = {
    name: (i) => i.name,
    architecture: (i) => i.architecture,
    state: () => 'available',
    'owner-id': (i) => i.ownerId,
    'image-id': (i) => i.id,
    'virtualization-type': () => 'hvm',
    'root-device-type': () => 'ebs',
    'is-public': () => true,
    'image-type': () => 'machine',
    description: (i) => i.description,
    'owner-alias': (i) => Object.keys(OWNER_ALIASES).find((k) => OWNER_ALIASES[k] === i.ownerId),
  };
  return {
    DescribeAvailabilityZones(a: Args) {
      let selected: Zone[] = zones.map(untagged);
      const names = a.strings('ZoneName');
      const ids = a.strings('ZoneId');
      const unknown = [...names.filter((n) => !zones.some((z) => z.name === n)), ...ids.filter((i) => !zones.some((z) => z.id === i))];
      if (unknown.length) throw invalidValue(`The zone '${unknown[0]}' does not exist.`);
      if (names.length || ids.length) selected = selected.filter((z) => names.includes(z.name) || ids.includes(z.id));
      return {
        availabilityZoneInfo: applyFilters(selected, a, zoneFields).map((z) => ({
          zoneName: z.name,
          zoneId: z.id,
          zoneState: 'available',
          regionName: s.region,
          optInStatus: 'opt-in-not-required',
          groupName: s.region,
          networkBorderGroup: s.region,
          zoneType: 'availability-zone',
          messageSet: [],
        })),
      };
    },

    DescribeInstanceTypeOfferings(a: Args) {
      const locationType = a.str('LocationType') ?? 'region';
      const rows: Offering[] = [];
      for (const type of Object.keys(INSTANCE_TYPES)) {
        if (locationType === 'region') rows.push({ type, location: s.region, tags: new Map() });
        else if (locationType === 'availability-zone' || locationType === 'availability-zone-id') {
          for (const z of zones)
            if (offeredIn(type, z.name))
              rows.push({ type, location: locationType === 'availability-zone' ? z.name : z.id, tags: new Map() });
        } else throw invalidValue(`Invalid value '${locationType}' for LocationType.`);
      }
      const { page, nextToken } = paginate(applyFilters(rows, a, offeringFields), a);
      return { instanceTypeOfferingSet: page.map((o) => ({ instanceType: o.type, locationType, location: o.location })), nextToken };
    },

    DescribeInstanceTypes(a: Args) {
      const names = a.strings('InstanceType');
      const unknown = names.filter((n) => !INSTANCE_TYPES[n]);
      if (unknown.length) throw invalidValue(`The following supplied instance types do not exist: [${unknown.join(', ')}]`);
      const rows: TypeRow[] = (names.length ? names : Object.keys(INSTANCE_TYPES)).map((type) => ({ type, tags: new Map() }));
      const { page, nextToken } = paginate(applyFilters(rows, a, typeFields), a);
      return {
        instanceTypeSet: page.map(({ type }) => {
          const t = INSTANCE_TYPES[type];
          return {
            instanceType: type,
            currentGeneration: true,
            bareMetal: type.endsWith('.metal'),
            burstablePerformanceSupported: t.burstable,
            hypervisor: type.endsWith('.metal') ? undefined : 'nitro',
            supportedUsageClasses: ['on-demand', 'spot'],
            supportedRootDeviceTypes: ['ebs'],
            processorInfo: { supportedArchitectures: [t.architecture] },
            vCpuInfo: { defaultVCpus: t.vcpus, defaultCores: Math.max(1, t.vcpus / 2), defaultThreadsPerCore: t.vcpus > 1 ? 2 : 1 },
            memoryInfo: { sizeInMiB: t.memoryMiB },
            networkInfo: { maximumNetworkInterfaces: 3, ipv4AddressesPerInterface: 10, networkPerformance: 'Up to 12.5 Gigabit' },
          };
        }),
        nextToken,
      };
    },

    DescribeImages(a: Args) {
      let selected: Image[] = IMAGES.map(untagged);
      const ids = a.strings('ImageId');
      const missingIds = ids.filter((id) => !IMAGES.some((i) => i.id === id));
      if (missingIds.length) throw new CloudError('InvalidAMIID.NotFound', `The image id '[${missingIds.join(', ')}]' does not exist`);
      if (ids.length) selected = selected.filter((i) => ids.includes(i.id));
      const owners = a.strings('Owner').map((o) => (o === 'self' ? s.accountId : (OWNER_ALIASES[o] ?? o)));
      if (owners.length) selected = selected.filter((i) => owners.includes(i.ownerId));
      const { page, nextToken } = paginate(applyFilters(selected, a, imageFields), a);
      return { imagesSet: page.map(imageWire), nextToken };
    },

    DescribeAccountAttributes(a: Args) {
      const eips = String(s.quotas.value(QUOTA_CODES.elasticIps));
      const all: Record<string, string[]> = {
        'supported-platforms': ['VPC'],
        'default-vpc': ['none'],
        'max-instances': ['20'],
        'vpc-max-security-groups-per-interface': ['5'],
        'max-elastic-ips': [eips],
        'vpc-max-elastic-ips': [eips],
      };
      const names = a.strings('AttributeName');
      const unknown = names.filter((n) => !all[n]);
      if (unknown.length) throw invalidValue(`Value (${unknown[0]}) for parameter attributeName is invalid.`);
      return {
        accountAttributeSet: (names.length ? names : Object.keys(all)).map((n) => ({
          attributeName: n,
          attributeValueSet: all[n].map((v) => ({ attributeValue: v })),
        })),
      };
    },
  };
}
