import { hasList, paginate, stringList, structList, sub } from '../../../local/cloud/elbv2/params';
import { codeOf } from './elbv2-fakes';

describe('elbv2 awsQuery list decoding', () => {
  it('decodes string lists in numeric index order, not key order', () => {
    const p = { 'Names.member.10': 'j', 'Names.member.2': 'b', 'Names.member.1': 'a', Other: 'x' };
    expect(stringList(p, 'Names')).toEqual(['a', 'b', 'j']);
    expect(stringList(p, 'Missing')).toEqual([]);
  });

  it('decodes structure lists, keeping nested paths for sub-decoding', () => {
    const p = {
      'DefaultActions.member.1.Type': 'forward',
      'DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn': 'tg-1',
      'DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.Weight': '1',
      'DefaultActions.member.2.Type': 'forward',
    };
    const actions = structList(p, 'DefaultActions');
    expect(actions).toHaveLength(2);
    expect(actions[0].Type).toBe('forward');
    expect(structList(sub(actions[0], 'ForwardConfig'), 'TargetGroups')).toEqual([{ TargetGroupArn: 'tg-1', Weight: '1' }]);
  });

  it('does not confuse lists sharing a prefix', () => {
    const p = { 'Subnets.member.1': 's-1', 'SubnetMappings.member.1.SubnetId': 's-2' };
    expect(stringList(p, 'Subnets')).toEqual(['s-1']);
    expect(structList(p, 'SubnetMappings')).toEqual([{ SubnetId: 's-2' }]);
  });

  it('tells an explicitly empty list (`X=`) from an absent one', () => {
    expect(hasList({ SecurityGroups: '' }, 'SecurityGroups')).toBe(true);
    expect(hasList({}, 'SecurityGroups')).toBe(false);
    expect(stringList({ SecurityGroups: '' }, 'SecurityGroups')).toEqual([]);
  });

  it('rejects malformed indexes', () => {
    expect(codeOf(() => stringList({ 'Names.member.0': 'a' }, 'Names'))).toBe('ValidationError');
    expect(codeOf(() => stringList({ 'Names.member.x': 'a' }, 'Names'))).toBe('ValidationError');
  });
});

describe('elbv2 pagination', () => {
  const items = Array.from({ length: 7 }, (_, i) => i);

  it('walks pages with an opaque marker and ends without one', () => {
    const seen: number[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const r = paginate(items, { PageSize: '3', ...(marker ? { Marker: marker } : {}) });
      seen.push(...r.page);
      marker = r.nextMarker;
      pages++;
    } while (marker);
    expect(seen).toEqual(items);
    expect(pages).toBe(3);
  });

  it('validates PageSize and Marker', () => {
    expect(codeOf(() => paginate(items, { PageSize: '0' }))).toBe('ValidationError');
    expect(codeOf(() => paginate(items, { PageSize: '401' }))).toBe('ValidationError');
    expect(codeOf(() => paginate(items, { Marker: 'garbage' }))).toBe('ValidationError');
  });
});
