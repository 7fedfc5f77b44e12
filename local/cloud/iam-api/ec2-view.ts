/**
 * The instance profiles as EC2 sees them when it launches (contract.ts InstanceProfileView). IAM writes go to
 * one control plane and reach each Region's copy later
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/disaster-recovery-resiliency.html), so for
 * `iamInstanceProfileVisibleToEc2After` simulated seconds after CreateInstanceProfile EC2 does not know the profile.
 * A role added to or removed from a profile is seen at once (docs/design.md "10.10 What it does not enforce").
 */
import type { InstanceProfileView, SeenInstanceProfile } from '../contract';
import { keyOf, type IamCtx, type InstanceProfileRec } from './store';

export function createInstanceProfileView(ctx: IamCtx): InstanceProfileView {
  const visible = (p: InstanceProfileRec): boolean =>
    ctx.deps.clock.now() - p.createdAt >= ctx.deps.latency.iamInstanceProfileVisibleToEc2After * 1000;
  const seen = (p: InstanceProfileRec | undefined): SeenInstanceProfile | undefined => {
    if (!p || !visible(p)) return undefined;
    const role = p.roleKey ? ctx.state.roles.get(p.roleKey) : undefined;
    return { arn: p.arn, id: p.id, ...(role && { role: { arn: role.arn, tags: new Map(role.tags) } }) };
  };
  return {
    byName: (name) => seen(ctx.state.profiles.get(keyOf(name))),
    byArn: (arn) => seen([...ctx.state.profiles.values()].find((p) => p.arn === arn)),
  };
}
