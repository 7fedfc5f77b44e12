import { GetProductsCommand, PricingClient, type GetProductsCommandInput } from '@aws-sdk/client-pricing';
import { mockClient } from 'aws-sdk-client-mock';
import { estimateCost } from '../../../functions/ops/estimate';
import { closedNetworkPlan, seoulPlan } from '../../fixtures/build';

/**
 * estimateCost against a Price List stand-in: GetProducts answers with product documents in the aws_v1 shape,
 * chosen by the request's TERM_MATCH filters as the API would. Prices here are arbitrary round numbers.
 */
const pricing = mockClient(PricingClient);
const client = new PricingClient({ region: 'us-east-1' });

interface Row {
  serviceCode: string;
  productFamily: string;
  attributes: Record<string, string>;
  unit: string;
  usd: string;
}

/** Every row is priced in Seoul, as the Price List tags a product with its region code. */
const attributesOf = (row: Row): Record<string, string> => ({ regionCode: 'ap-northeast-2', ...row.attributes });

/** A product document as GetProducts returns it (one JSON string per product). */
function document(row: Row, i: number): string {
  const sku = `SKU${i}`;
  return JSON.stringify({
    product: { productFamily: row.productFamily, attributes: attributesOf(row), sku },
    serviceCode: row.serviceCode,
    terms: {
      OnDemand: {
        [`${sku}.JRTCKXETXF`]: {
          priceDimensions: { [`${sku}.JRTCKXETXF.6YS6EN2CT7`]: { unit: row.unit, pricePerUnit: { USD: row.usd } } },
        },
      },
    },
  });
}

const instance = (instanceType: string, usd: string, operatingSystem = 'RHEL'): Row => ({
  serviceCode: 'AmazonEC2',
  productFamily: 'Compute Instance',
  attributes: {
    instanceType,
    operatingSystem,
    operation: operatingSystem === 'RHEL' ? 'RunInstances:0010' : 'RunInstances',
    tenancy: 'Shared',
    preInstalledSw: 'NA',
    capacitystatus: 'Used',
    usagetype: `APN2-BoxUsage:${instanceType}`,
  },
  unit: 'Hrs',
  usd,
});
const vpc = (productFamily: string, attributes: Record<string, string>, unit: string, usd: string): Row => ({
  serviceCode: 'AmazonVPC',
  productFamily,
  attributes,
  unit,
  usd,
});

const PRICE_LIST: Row[] = [
  instance('m6i.large', '0.2'),
  instance('m6i.large', '0.1', 'Linux'),
  instance('m6i.xlarge', '0.4'),
  instance('t3.micro', '0.05'),
  {
    serviceCode: 'AmazonEC2',
    productFamily: 'Storage',
    attributes: { volumeApiName: 'gp3', usagetype: 'APN2-EBS:VolumeUsage.gp3' },
    unit: 'GB-Mo',
    usd: '0.09',
  },
  {
    serviceCode: 'AmazonEC2',
    productFamily: 'NAT Gateway',
    attributes: { usagetype: 'APN2-NatGateway-Hours' },
    unit: 'Hrs',
    usd: '0.06',
  },
  { serviceCode: 'AmazonEC2', productFamily: 'NAT Gateway', attributes: { usagetype: 'APN2-NatGateway-Bytes' }, unit: 'GB', usd: '0.06' },
  {
    serviceCode: 'AmazonEC2',
    productFamily: 'NAT Gateway',
    attributes: { usagetype: 'APN2-RegionalNatGateway-Hours' },
    unit: 'Hrs',
    usd: '9.99',
  },
  {
    serviceCode: 'AWSELB',
    productFamily: 'Load Balancer-Network',
    attributes: { usagetype: 'APN2-LoadBalancerUsage' },
    unit: 'Hrs',
    usd: '0.03',
  },
  {
    serviceCode: 'AWSELB',
    productFamily: 'Load Balancer-Network',
    attributes: { usagetype: 'APN2-LCUUsage' },
    unit: 'LCU-Hrs',
    usd: '0.006',
  },
  vpc(
    'VPC Public IPv4 Address',
    {
      group: 'VPCPublicIPv4Address',
      groupDescription: 'Hourly charge for In-use Public IPv4 Addresses',
      usagetype: 'APN2-PublicIPv4:InUseAddress',
    },
    'Hrs',
    '0.005',
  ),
  vpc('VpcEndpoint', { usagetype: 'APN2-VpcEndpoint-Hours' }, 'Hrs', '0.01'),
  vpc('VpcEndpoint', { usagetype: 'APN2-VpcEndpoint-Bytes' }, 'GB', '0.01'),
  vpc('AWS Transit Gateway', { operation: 'TransitGatewayVPC', usagetype: 'APN2-TransitGateway-Hours' }, 'Hrs', '0.07'),
];

/** GetProducts over `rows`: TERM_MATCH on productFamily or an attribute, as the API filters. */
function answer(rows: Row[]) {
  return (input: GetProductsCommandInput) => {
    const matching = rows
      .map((row, i) => ({ row, i }))
      .filter(
        ({ row }) =>
          row.serviceCode === input.ServiceCode &&
          (input.Filters ?? []).every(
            (f) => f.Type === 'TERM_MATCH' && (f.Field === 'productFamily' ? row.productFamily : attributesOf(row)[f.Field!]) === f.Value,
          ),
      );
    return Promise.resolve({ FormatVersion: 'aws_v1', PriceList: matching.map(({ row, i }) => document(row, i)) });
  };
}

const filtersOf = (input: GetProductsCommandInput): Record<string, string> =>
  Object.fromEntries((input.Filters ?? []).map((f): [string, string] => [f.Field ?? '', `${f.Type} ${f.Value}`]));
const asked = (): GetProductsCommandInput[] => pricing.commandCalls(GetProductsCommand).map((call) => call.args[0].input);

beforeEach(() => {
  pricing.reset();
  pricing.on(GetProductsCommand).callsFake(answer(PRICE_LIST));
});

describe('estimateCost', () => {
  it('prices each kind of resource by its count: hourly × count, and 30 days of 720 hours', async () => {
    const estimate = await estimateCost(client, seoulPlan());
    const line = (item: string) => estimate.lines.find((l) => l.item === item);
    expect(line('instance m6i.large')).toMatchObject({ count: 3, unitHourlyUsd: 0.2, hourlyUsd: 0.6, monthlyUsd: 432 });
    expect(line('instance m6i.xlarge')).toMatchObject({ count: 3, unitHourlyUsd: 0.4, hourlyUsd: 1.2, monthlyUsd: 864 });
    expect(line('instance t3.micro')).toMatchObject({ count: 1, hourlyUsd: 0.05, monthlyUsd: 36 });
    // 3 × 50 + 3 × 100 + 20 GiB at 0.09 a GB-month: 42.30 for the 30 days.
    expect(line('GiB of gp3 root volumes')).toMatchObject({ count: 470, monthlyUsd: 42.3 });
    expect(line('network load balancer')).toMatchObject({ count: 1, hourlyUsd: 0.03, monthlyUsd: 21.6 });
    expect(line('public IPv4 address')).toMatchObject({ count: 1, hourlyUsd: 0.005, monthlyUsd: 3.6 });
    expect(estimate.lines.map((l) => l.item)).not.toContain('NAT gateway');
    expect(estimate.lines.map((l) => l.item)).not.toContain('interface endpoint');
    expect(estimate.knownMonthlyUsd).toBeCloseTo(432 + 864 + 36 + 42.3 + 21.6 + 3.6, 6);
    expect(estimate.knownHourlyUsd * 720).toBeCloseTo(estimate.knownMonthlyUsd, 6);
    expect(estimate).toMatchObject({ currency: 'USD', region: 'ap-northeast-2', hoursPerMonth: 720, unknown: [] });
    expect(estimate.source).toBe('AWS Price List Query API (GetProducts, us-east-1)');
  });

  it('asks for RHEL on shared tenancy in the plan region, with exact TERM_MATCH filters, never the Linux price', async () => {
    const estimate = await estimateCost(client, seoulPlan());
    const m6i = asked().find((input) => filtersOf(input).instanceType === 'TERM_MATCH m6i.large')!;
    expect(m6i.ServiceCode).toBe('AmazonEC2');
    expect(filtersOf(m6i)).toMatchObject({
      regionCode: 'TERM_MATCH ap-northeast-2',
      operatingSystem: 'TERM_MATCH RHEL',
      tenancy: 'TERM_MATCH Shared',
      preInstalledSw: 'TERM_MATCH NA',
      capacitystatus: 'TERM_MATCH Used',
    });
    expect(estimate.lines.find((l) => l.item === 'instance m6i.large')?.unitHourlyUsd).toBe(0.2);
  });

  it('asks each distinct question once: the bastion on a node type joins that line', async () => {
    const estimate = await estimateCost(client, seoulPlan({ bastion: { instanceType: 'm6i.large', allowedSshCidrs: ['203.0.113.0/24'] } }));
    expect(estimate.lines.find((l) => l.item === 'instance m6i.large')?.count).toBe(4);
    const questions = asked().map((input) => JSON.stringify([input.ServiceCode, filtersOf(input)]));
    expect(new Set(questions).size).toBe(questions.length);
    // m6i.large, m6i.xlarge, gp3, NLB, public IPv4.
    expect(questions).toHaveLength(5);
  });

  it('counts what a closed network bills: interface endpoints per zone, the attachment, no public address; s3 is free', async () => {
    const estimate = await estimateCost(client, closedNetworkPlan({ egress: 'none', bastion: { enabled: false } }));
    const endpoints = estimate.lines.find((l) => l.item === 'interface endpoint')!;
    // Seven interface services (s3 is a gateway endpoint) in three zones.
    expect(endpoints).toMatchObject({ count: 21, hourlyUsd: 0.21, monthlyUsd: 151.2 });
    expect(endpoints.note).toContain('7 (ssm, ssmmessages, ec2messages, ecr.api, ecr.dkr, sts, logs) × 3 zones');
    expect(estimate.lines.find((l) => l.item === 'transit gateway attachment')).toMatchObject({ count: 1, monthlyUsd: 50.4 });
    expect(estimate.lines.map((l) => l.item)).not.toContain('public IPv4 address');
    expect(estimate.lines.map((l) => l.item)).not.toContain('instance t3.micro');
    expect(estimate.lines.map((l) => l.item)).not.toContain('NAT gateway');
    expect(estimate.notes.join(' ')).toContain('s3 gateway endpoint has no charge');
  });

  it('takes the hourly NAT gateway price, not data processed nor another product whose usage type only ends alike', async () => {
    const estimate = await estimateCost(client, seoulPlan({ egress: 'nat-per-az' }));
    expect(estimate.lines.find((l) => l.item === 'NAT gateway')).toMatchObject({ count: 3, unitHourlyUsd: 0.06, monthlyUsd: 129.6 });
    // The bastion's Elastic IP and one per NAT gateway.
    expect(estimate.lines.find((l) => l.item === 'public IPv4 address')).toMatchObject({ count: 4, hourlyUsd: 0.02 });
  });

  it('leaves a price the Price List does not have unknown — no price, not 0 — and out of the totals', async () => {
    pricing.on(GetProductsCommand).callsFake(answer(PRICE_LIST.filter((row) => row.serviceCode !== 'AWSELB')));
    const estimate = await estimateCost(client, seoulPlan());
    const nlb = estimate.lines.find((l) => l.item === 'network load balancer')!;
    expect(nlb).toEqual({
      item: 'network load balancer',
      count: 1,
      note: expect.stringContaining('the Price List has no on-demand Hrs price for AWSELB LoadBalancerUsage') as string,
    });
    expect(estimate.unknown).toEqual(['network load balancer']);
    expect(estimate.knownMonthlyUsd).toBeCloseTo(432 + 864 + 36 + 42.3 + 3.6, 6);
  });

  it('does not throw when the API fails: a denial or a throttle leaves those lines unknown, with the reason', async () => {
    pricing
      .on(GetProductsCommand, { ServiceCode: 'AWSELB' })
      .rejects(Object.assign(new Error('User is not authorized to perform: pricing:GetProducts'), { name: 'AccessDeniedException' }))
      .on(GetProductsCommand, { ServiceCode: 'AmazonVPC' })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const estimate = await estimateCost(client, seoulPlan());
    expect(estimate.unknown).toEqual(['network load balancer', 'public IPv4 address']);
    const note = (item: string) => estimate.lines.find((l) => l.item === item)?.note;
    expect(note('network load balancer')).toMatch(
      /^Price List Query API: AccessDeniedException: .*\(the caller needs pricing:GetProducts\)/,
    );
    expect(note('public IPv4 address')).toContain('ThrottlingException: Rate exceeded');
    expect(estimate.lines.find((l) => l.item === 'instance m6i.large')?.hourlyUsd).toBe(0.6);
  });

  it('refuses to choose between different prices for one question', async () => {
    pricing.on(GetProductsCommand).callsFake(answer([...PRICE_LIST, instance('t3.micro', '0.07')]));
    const estimate = await estimateCost(client, seoulPlan());
    expect(estimate.unknown).toEqual(['instance t3.micro']);
    expect(estimate.lines.find((l) => l.item === 'instance t3.micro')?.note).toContain('2 different prices');
  });

  it('follows NextToken to the page that holds the price', async () => {
    const full = answer(PRICE_LIST);
    pricing.on(GetProductsCommand).callsFake(async (input: GetProductsCommandInput) => {
      const all = await full(input);
      if (input.NextToken === undefined) return { ...all, PriceList: [], NextToken: 'page-2' };
      return input.NextToken === 'page-2' ? all : Promise.reject(new Error('unexpected token'));
    });
    const estimate = await estimateCost(client, seoulPlan());
    expect(estimate.unknown).toEqual([]);
    expect(asked().every((input) => input.MaxResults === 100 && input.FormatVersion === 'aws_v1')).toBe(true);
  });

  describe('with a deadline (POST /plans must answer before API Gateway gives up)', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());
    const silent = () => new Promise<never>(() => undefined);

    it('leaves every line unknown, saying the Price List did not answer in time, when it never answers — never $0', async () => {
      pricing.on(GetProductsCommand).callsFake(silent);
      const pending = estimateCost(client, seoulPlan(), { timeoutMs: 10_000 });
      await jest.advanceTimersByTimeAsync(10_000);
      const estimate = await pending;
      expect(estimate.lines.length).toBeGreaterThan(0);
      for (const line of estimate.lines) {
        expect(line.hourlyUsd).toBeUndefined();
        expect(line.note).toMatch(/^the Price List did not answer within 10 s/);
      }
      expect(estimate.unknown).toEqual(estimate.lines.map((line) => line.item));
    });

    it('keeps the prices that came in time; only the silent questions read unknown', async () => {
      const full = answer(PRICE_LIST);
      pricing
        .on(GetProductsCommand)
        .callsFake((input: GetProductsCommandInput) => (input.ServiceCode === 'AWSELB' ? silent() : full(input)));
      const pending = estimateCost(client, seoulPlan(), { timeoutMs: 10_000 });
      await jest.advanceTimersByTimeAsync(10_000);
      const estimate = await pending;
      expect(estimate.unknown).toEqual(['network load balancer']);
      expect(estimate.lines.find((l) => l.item === 'network load balancer')?.note).toMatch(/^the Price List did not answer within 10 s;/);
      expect(estimate.lines.find((l) => l.item === 'instance m6i.large')?.hourlyUsd).toBe(0.6);
    });

    it('does not wait out the deadline when every answer came', async () => {
      const pending = estimateCost(client, seoulPlan(), { timeoutMs: 10_000 });
      await jest.advanceTimersByTimeAsync(0);
      expect((await pending).unknown).toEqual([]);
      expect(jest.getTimerCount()).toBe(0);
    });
  });

  it('names a recorded sample in its source when the products carry its note', async () => {
    const label = 'Embedded cloud: hand-recorded sample, not live prices.';
    pricing
      .on(GetProductsCommand)
      .callsFake(answer(PRICE_LIST.map((row) => ({ ...row, attributes: { ...row.attributes, sampleNote: label } }))));
    const estimate = await estimateCost(client, seoulPlan());
    expect(estimate.source).toBe(`AWS Price List Query API (GetProducts, us-east-1) — ${label}`);
  });
});
