import {
  paginateListInstanceProfiles,
  paginateListInstanceProfileTags,
  paginateListRoles,
  paginateListRoleTags,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { AwsClients } from '../core/clients';
import { IAM_PATH } from '../core/plan';
import { settleLimited } from '../core/pool';
import { fromTagList, type Tags } from '../core/tags';
import { describeAll, goneAs } from '../resources/owned';

/**
 * The roles and instance profiles under our IAM path (`/k8s-ec2-builder/`, where every build's node profile
 * lives), with their tags (docs/design.md "12.4 Orphans and the sweep"). ListRoles and ListInstanceProfiles
 * "do not return tags" (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html,
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListInstanceProfiles.html): each one's tags are read
 * with ListRoleTags / ListInstanceProfileTags. IAM is global: these are the account's, whatever the region.
 */

export interface IamTagged {
  type: 'role' | 'instance-profile';
  arn: string;
  name: string;
  tags: Tags;
  createdAt?: Date;
}

/** Tag reads in flight at once: IAM's request rate is an account-wide quota shared with every other caller. */
const TAG_READS_IN_FLIGHT = 4;

export async function describeIamTagged(clients: AwsClients): Promise<IamTagged[]> {
  const { iam } = clients;
  const [roles, profiles] = await Promise.all([
    describeAll(
      'iam:ListRoles',
      () => paginateListRoles({ client: iam }, { PathPrefix: IAM_PATH }),
      (page) => page.Roles,
    ),
    describeAll(
      'iam:ListInstanceProfiles',
      () => paginateListInstanceProfiles({ client: iam }, { PathPrefix: IAM_PATH }),
      (page) => page.InstanceProfiles,
    ),
  ]);
  const listed: Array<Omit<IamTagged, 'tags'>> = [
    ...roles.map((r) => ({ type: 'role' as const, arn: r.Arn ?? '', name: r.RoleName ?? '', createdAt: r.CreateDate })),
    ...profiles.map((p) => ({
      type: 'instance-profile' as const,
      arn: p.Arn ?? '',
      name: p.InstanceProfileName ?? '',
      createdAt: p.CreateDate,
    })),
  ].filter((x) => x.arn && x.name);
  const settled = await settleLimited(listed, TAG_READS_IN_FLIGHT, async (item) => {
    const tags = await tagsOf(iam, item);
    return tags && { ...item, tags };
  });
  return settled
    .map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    })
    .filter((item): item is IamTagged => Boolean(item));
}

/** The tags of one role or profile; undefined when it was deleted after it was listed. */
function tagsOf(iam: IAMClient, item: Omit<IamTagged, 'tags'>): Promise<Tags | undefined> {
  const read = () =>
    item.type === 'role'
      ? describeAll(
          'iam:ListRoleTags',
          () => paginateListRoleTags({ client: iam }, { RoleName: item.name }),
          (page) => page.Tags,
        )
      : describeAll(
          'iam:ListInstanceProfileTags',
          () => paginateListInstanceProfileTags({ client: iam }, { InstanceProfileName: item.name }),
          (page) => page.Tags,
        );
  return goneAs(undefined, `tags of ${item.type} ${item.name}`, async () => fromTagList(await read()));
}
