/** The EC2 service module (API version 2016-11-15, protocol ec2) and the view of it that ELBv2 uses. */
import { CloudError, Ec2View, InstanceProfileView, LatencyModel, QueryParams, ServiceModule, SimClock } from '../contract';
import { Quotas } from '../quotas';
import { addressActions } from './addresses';
import { Actions, Args } from './args';
import { ec2Authorizations } from './authorization';
import { ebsDefaultActions, type EbsDefaults } from './ebs-defaults';
import { createEc2View } from './elbv2-view';
import { endpointServiceActions } from './endpoint-services';
import { gatewayActions } from './gateways';
import { instanceViewActions } from './instance-views';
import { instanceActions } from './instances';
import { keyPairActions, seedKeyPair } from './keypairs';
import { metadataOptionActions } from './metadata-options';
import { natGatewayActions } from './nat-gateways';
import { networkInterfaceActions } from './network-interfaces';
import { regionActions } from './region';
import { routeTableActions } from './route-tables';
import { securityGroupActions } from './security-groups';
import { Ec2Store } from './store';
import { subnetActions } from './subnets';
import { taggables, tagActions } from './tags';
import { transitGatewayActions, transitGatewayControl, type TransitGatewayControl } from './transit-gateways';
import { vpcEndpointActions } from './vpc-endpoints';
import { vpcActions } from './vpcs';

export interface Ec2Options {
  clock: SimClock;
  latency: LatencyModel;
  region: string;
  accountId: string;
  quotas: Quotas;
  /** Key pairs that exist from the start (a real account would already hold the build's key). */
  seedKeyPairs: string[];
  ebsDefaults?: EbsDefaults;
  /** IAM's instance profiles as EC2 sees them (RunInstances `IamInstanceProfile`); without it none exists. */
  instanceProfiles?: InstanceProfileView;
}

export interface Ec2Service extends ServiceModule {
  readonly view: Ec2View;
  /** The availability zone of a subnet, for fault rules that target an AZ. */
  subnetAz(subnetId: string): string | undefined;
  /** Shared transit gateways and the owner's answers to our attachments, for the control interface. */
  readonly transitGateways: TransitGatewayControl;
}

export const BUILD_ID_TAG = 'k8s-ec2:build-id';

export function createEc2Service(opts: Ec2Options): Ec2Service {
  const store = new Ec2Store(opts.clock, opts.latency, opts.region, opts.accountId, opts.quotas, opts.ebsDefaults);
  const actions: Actions = {
    ...vpcActions(store),
    ...subnetActions(store),
    ...gatewayActions(store),
    ...routeTableActions(store),
    ...securityGroupActions(store),
    ...instanceActions(store, opts.instanceProfiles),
    ...instanceViewActions(store),
    ...metadataOptionActions(store),
    ...addressActions(store),
    ...networkInterfaceActions(store),
    ...regionActions(store),
    ...keyPairActions(store),
    ...tagActions(store),
    ...ebsDefaultActions(store),
    ...transitGatewayActions(store),
    ...natGatewayActions(store),
    ...vpcEndpointActions(store),
    ...endpointServiceActions(store),
  };
  const seed = () => opts.seedKeyPairs.forEach((name) => seedKeyPair(store, name));
  seed();
  return {
    apiVersion: '2016-11-15',
    protocol: 'ec2',
    view: createEc2View(store),
    handle(action: string, params: QueryParams): unknown {
      const handler = actions[action];
      if (!handler) throw new CloudError('InvalidAction', `The action ${action} is not valid for this web service.`);
      const args = Args.of(params);
      // DryRun answers as AWS does for a caller with permission, without doing anything.
      if (args.bool('DryRun')) throw new CloudError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
      return handler(args);
    },
    authorizations: (action: string, params: QueryParams) => ec2Authorizations(store, action, params, opts.instanceProfiles),
    listByBuildId(buildId: string) {
      return taggables(store)
        .filter((t) => t.tags.get(BUILD_ID_TAG) === buildId)
        .map((t) => ({ type: t.type, id: t.id, state: t.state, name: t.tags.get('Name') }));
    },
    reset() {
      store.reset();
      seed();
    },
    subnetAz: (id) => store.subnets.get(id)?.az,
    transitGateways: transitGatewayControl(store),
  };
}
