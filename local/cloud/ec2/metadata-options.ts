/**
 * ModifyInstanceMetadataOptions: what a person runs to change an instance's IMDS settings by hand (the drift
 * `POST /builds/{id}/verify` must see, e.g. IMDSv1 turned back on).
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceMetadataOptions.html
 */
import { CloudError } from '../contract';
import { Actions, Args, invalidValue } from './args';
import { instanceNotFound } from './instance-views';
import { Ec2Store, InstanceRec } from './store';

/** "Possible values: Integers from 1 to 64" (HttpPutResponseHopLimit). */
const HOP_LIMIT = { min: 1, max: 64 };

/** The value of an enumerated parameter, or undefined when it is not given; anything else is InvalidParameterValue. */
function oneOf(a: Args, name: string, values: readonly string[]): string | undefined {
  const value = a.str(name);
  if (value !== undefined && !values.includes(value)) throw invalidValue(`Invalid value '${value}' for ${name}`);
  return value;
}

export function metadataOptionActions(s: Ec2Store): Actions {
  return {
    ModifyInstanceMetadataOptions(a: Args) {
      const instanceId = a.required('InstanceId');
      const instance = s.instances.get(instanceId);
      if (!instance || !s.instanceVisible(instance)) throw instanceNotFound([instanceId]);
      // "Modify the instance metadata parameters on a running or stopped instance": one on its way out is neither.
      // IncorrectInstanceState is EC2's common error for that ("The instance is in an incorrect state for the
      // requested action", https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html#CommonErrors).
      const state = s.instanceState(instance);
      if (state === 'shutting-down' || state === 'terminated') {
        throw new CloudError('IncorrectInstanceState', `The instance '${instanceId}' is not in a state from which it can be modified.`);
      }
      const hopLimit = a.int('HttpPutResponseHopLimit');
      if (hopLimit !== undefined && (hopLimit < HOP_LIMIT.min || hopLimit > HOP_LIMIT.max)) {
        throw invalidValue(`The HttpPutResponseHopLimit must be between ${HOP_LIMIT.min} and ${HOP_LIMIT.max}.`);
      }
      const metadata: InstanceRec['metadata'] = {
        // HttpTokens has a default, not "the existing state": `required` only for an AMI whose ImdsSupport is v2.0
        // (none of the catalogue's: RHEL 8 images do not declare it) or an account default saying so (none here),
        // else `optional`. So a call without it turns IMDSv1 back on.
        httpTokens: oneOf(a, 'HttpTokens', ['optional', 'required']) ?? 'optional',
        // "If no parameter is specified, the existing state is maintained."
        httpEndpoint: oneOf(a, 'HttpEndpoint', ['enabled', 'disabled']) ?? instance.metadata.httpEndpoint,
        hopLimit: hopLimit ?? instance.metadata.hopLimit,
        metadataTags: oneOf(a, 'InstanceMetadataTags', ['enabled', 'disabled']) ?? instance.metadata.metadataTags,
        // "When you modify the parameters on a running instance, the API responds with a state of pending":
        // DescribeInstances shows `pending` until the change is applied (instance-views.ts).
        changedAt: s.now(),
      };
      instance.metadata = metadata;
      return {
        instanceId,
        instanceMetadataOptions: {
          state: 'pending',
          httpTokens: metadata.httpTokens,
          httpPutResponseHopLimit: metadata.hopLimit,
          httpEndpoint: metadata.httpEndpoint,
          httpProtocolIpv6: 'disabled',
          instanceMetadataTags: metadata.metadataTags,
        },
      };
    },
  };
}
