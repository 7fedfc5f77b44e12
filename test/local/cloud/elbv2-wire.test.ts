/**
 * The real ElasticLoadBalancingV2Client against the module, in process: the SDK's own serialiser builds the
 * form body, the module answers, the framework's `wire.ts` renders the XML, and the SDK's deserialiser reads
 * it back. This pins the wire names of every action without a server (see elbv2-sdk.test.ts for the HTTP path).
 */
import * as elb from '@aws-sdk/client-elastic-load-balancing-v2';
import { CloudError } from '../../../local/cloud/contract';
import { renderError, renderResult } from '../../../local/cloud/wire';
import { harness, Harness } from './elbv2-fakes';

function sdkFor(h: Harness): elb.ElasticLoadBalancingV2Client {
  const requestHandler = {
    handle: (req: { body: string }) => {
      const { Action, Version, ...params } = Object.fromEntries(new URLSearchParams(req.body));
      let out;
      try {
        out = renderResult('query', Version, Action, h.elb.handle(Action, params), 'req-1');
      } catch (err) {
        if (!(err instanceof CloudError)) throw err;
        out = renderError('query', Version, err, 'req-1');
      }
      return Promise.resolve({
        response: { statusCode: out.status, headers: { 'content-type': out.contentType }, body: Buffer.from(out.body) },
      });
    },
  };
  return new elb.ElasticLoadBalancingV2Client({
    region: 'ap-northeast-2',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: requestHandler as never,
  });
}

describe('elbv2 through the real SDK serialisers (in process)', () => {
  it('runs the build topology: NLB, 3 target groups, 3 listeners, targets, attributes, tags, teardown', async () => {
    const h = harness();
    const c = sdkFor(h);
    const lb = (
      await c.send(
        new elb.CreateLoadBalancerCommand({
          Name: 'fin-k8s-dev',
          Type: 'network',
          Scheme: 'internal',
          SubnetMappings: [{ SubnetId: 'subnet-a' }, { SubnetId: 'subnet-b' }, { SubnetId: 'subnet-c' }],
          SecurityGroups: ['sg-nlb'],
          Tags: [{ Key: 'k8s-ec2:build-id', Value: 'b-1' }],
        }),
      )
    ).LoadBalancers![0];
    expect(lb.State?.Code).toBe('provisioning');
    expect(lb.SecurityGroups).toEqual(['sg-nlb']);
    expect(lb.AvailabilityZones?.map((z) => z.SubnetId)).toEqual(['subnet-a', 'subnet-b', 'subnet-c']);
    // The SDK parses the wire timestamp: the creation instant on the harness's clock.
    expect(lb.CreatedTime).toEqual(new Date(h.clock.now()));
    await c.send(
      new elb.ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: lb.LoadBalancerArn,
        Attributes: [{ Key: 'load_balancing.cross_zone.enabled', Value: 'true' }],
      }),
    );

    const layout = [
      ['api', 6443, 6443, ['i-cpa', 'i-cpb', 'i-cpc']],
      ['http', 80, 30080, ['i-wka', 'i-wkb', 'i-wkc']],
      ['https', 443, 30443, ['i-wka', 'i-wkb', 'i-wkc']],
    ] as const;
    const tgArns: string[] = [];
    for (const [name, port, nodePort, ids] of layout) {
      const tg = (
        await c.send(
          new elb.CreateTargetGroupCommand({
            Name: name,
            Protocol: 'TCP',
            Port: nodePort,
            VpcId: 'vpc-1',
            TargetType: 'instance',
            HealthCheckProtocol: 'TCP',
            HealthCheckIntervalSeconds: 10,
            HealthyThresholdCount: 3,
          }),
        )
      ).TargetGroups![0];
      expect(tg).toMatchObject({ Port: nodePort, HealthCheckEnabled: true, HealthyThresholdCount: 3, LoadBalancerArns: [] });
      tgArns.push(tg.TargetGroupArn!);
      const attrs = await c.send(
        new elb.ModifyTargetGroupAttributesCommand({
          TargetGroupArn: tg.TargetGroupArn,
          Attributes: [{ Key: 'preserve_client_ip.enabled', Value: 'false' }],
        }),
      );
      expect(attrs.Attributes).toContainEqual({ Key: 'preserve_client_ip.enabled', Value: 'false' });
      await c.send(new elb.RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: ids.map((Id) => ({ Id })) }));
      const l = (
        await c.send(
          new elb.CreateListenerCommand({
            LoadBalancerArn: lb.LoadBalancerArn,
            Protocol: 'TCP',
            Port: port,
            DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }],
          }),
        )
      ).Listeners![0];
      expect(l.DefaultActions?.[0].ForwardConfig?.TargetGroups).toEqual([{ TargetGroupArn: tg.TargetGroupArn, Weight: 1 }]);
    }

    const health = async (tg: string) =>
      (await c.send(new elb.DescribeTargetHealthCommand({ TargetGroupArn: tg }))).TargetHealthDescriptions!;
    expect((await health(tgArns[0]))[0]).toEqual({
      Target: { Id: 'i-cpa', Port: 6443 },
      HealthCheckPort: '6443',
      TargetHealth: { State: 'initial', Reason: 'Elb.RegistrationInProgress', Description: 'Target registration is in progress' },
    });
    h.clock.advance(150 + 30);
    const lbNow = (await c.send(new elb.DescribeLoadBalancersCommand({ Names: ['fin-k8s-dev'] }))).LoadBalancers![0];
    expect(lbNow.State?.Code).toBe('active');
    for (const tg of tgArns) expect((await health(tg)).map((d) => d.TargetHealth?.State)).toEqual(['healthy', 'healthy', 'healthy']);

    const listeners = (await c.send(new elb.DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners!;
    expect(listeners.map((l) => l.Port)).toEqual([6443, 80, 443]);
    const byLb = (await c.send(new elb.DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).TargetGroups!;
    expect(byLb.every((t) => t.LoadBalancerArns?.[0] === lb.LoadBalancerArn)).toBe(true);
    const tags = await c.send(new elb.DescribeTagsCommand({ ResourceArns: [lb.LoadBalancerArn!] }));
    expect(tags.TagDescriptions).toEqual([{ ResourceArn: lb.LoadBalancerArn, Tags: [{ Key: 'k8s-ec2:build-id', Value: 'b-1' }] }]);
    const lbAttrs = (await c.send(new elb.DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Attributes!;
    expect(lbAttrs).toContainEqual({ Key: 'access_logs.s3.bucket', Value: '' });
    const limits = (await c.send(new elb.DescribeAccountLimitsCommand({}))).Limits!;
    expect(limits).toContainEqual({ Name: 'network-load-balancers', Max: '50' });

    // Teardown in the order a careful client uses; each error arrives as the SDK's modelled exception.
    await expect(c.send(new elb.DeleteTargetGroupCommand({ TargetGroupArn: tgArns[0] }))).rejects.toMatchObject({
      name: 'ResourceInUseException',
    });
    await c.send(new elb.DeregisterTargetsCommand({ TargetGroupArn: tgArns[0], Targets: [{ Id: 'i-cpa' }] }));
    expect((await health(tgArns[0]))[0].TargetHealth?.State).toBe('draining');
    await c.send(new elb.DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    for (const tg of tgArns) await c.send(new elb.DeleteTargetGroupCommand({ TargetGroupArn: tg }));
    await expect(c.send(new elb.DescribeLoadBalancersCommand({ LoadBalancerArns: [lb.LoadBalancerArn!] }))).rejects.toMatchObject({
      name: 'LoadBalancerNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    expect([...h.ec2.enis.values()].every((e) => e.releaseAt === h.clock.now() + 60_000)).toBe(true);
  });

  it('pages DescribeLoadBalancers with NextMarker/Marker', async () => {
    const h = harness();
    const c = sdkFor(h);
    for (const n of ['a1', 'a2', 'a3']) {
      await c.send(new elb.CreateLoadBalancerCommand({ Name: n, Type: 'network', Scheme: 'internal', Subnets: ['subnet-a'] }));
    }
    const names: string[] = [];
    for await (const page of elb.paginateDescribeLoadBalancers({ client: c, pageSize: 2 }, {})) {
      names.push(...page.LoadBalancers!.map((l) => l.LoadBalancerName!));
    }
    expect(names).toEqual(['a1', 'a2', 'a3']);
  });

  it('maps duplicate and validation errors to the SDK exception classes', async () => {
    const h = harness();
    const c = sdkFor(h);
    await c.send(new elb.CreateTargetGroupCommand({ Name: 'api', Protocol: 'TCP', Port: 6443, VpcId: 'vpc-1' }));
    await expect(
      c.send(new elb.CreateTargetGroupCommand({ Name: 'api', Protocol: 'TCP', Port: 80, VpcId: 'vpc-1' })),
    ).rejects.toBeInstanceOf(elb.DuplicateTargetGroupNameException);
    await expect(
      c.send(
        new elb.RegisterTargetsCommand({
          TargetGroupArn: (await c.send(new elb.DescribeTargetGroupsCommand({ Names: ['api'] }))).TargetGroups![0].TargetGroupArn,
          Targets: [{ Id: 'i-nope' }],
        }),
      ),
    ).rejects.toBeInstanceOf(elb.InvalidTargetException);
    await expect(c.send(new elb.CreateLoadBalancerCommand({ Name: 'x', Type: 'network' }))).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });
});
