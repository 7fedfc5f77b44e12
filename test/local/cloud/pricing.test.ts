/**
 * The embedded cloud's Price List Query API, through the real SDK client: GetProducts' filters, paging and
 * documented errors over the labelled sample, DescribeServices, IAM authorisation, and a build's estimate made
 * against it (functions/ops/estimate.ts) saying where its prices came from.
 */
import {
  DescribeServicesCommand,
  GetProductsCommand,
  PricingClient,
  type Filter,
  type GetProductsCommandInput,
} from '@aws-sdk/client-pricing';
import type { PolicyDocument } from '../../../infra/iam';
import { estimateCost } from '../../../functions/ops/estimate';
import { estimateLines } from '../../../functions/ops/estimate-lines';
import { createPricingClient } from '../../../functions/ops/pricing-client';
import { SAMPLE_LABEL } from '../../../local/cloud/pricing';
import { closedNetworkPlan, seoulPlan } from '../../fixtures/build';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

let h: Harness;
let pricing: PricingClient;
beforeAll(async () => {
  h = await startHarness();
  pricing = createPricingClient({ AWS_ENDPOINT_URL_PRICING: h.cloud.url }, { accessKeyId: 'test', secretAccessKey: 'test' });
});
afterAll(async () => {
  pricing.destroy();
  await stopHarness(h);
});
afterEach(() => h.cloud.reset());

const term = (Field: string, Value: string, Type: Filter['Type'] = 'TERM_MATCH'): Filter => ({ Type, Field, Value });
const SEOUL = term('regionCode', 'ap-northeast-2');

interface ProductDocument {
  product: { productFamily: string; attributes: Record<string, string> };
  serviceCode: string;
  terms: { OnDemand: Record<string, { priceDimensions: Record<string, { unit: string; pricePerUnit: { USD: string } }> }> };
}
/** PriceList entries are JSON documents as strings (the SDK may hand them over as String objects). */
const documents = (priceList: unknown): ProductDocument[] =>
  (Array.isArray(priceList) ? priceList : []).map((entry) => JSON.parse(String(entry)) as ProductDocument);
async function products(input: GetProductsCommandInput): Promise<ProductDocument[]> {
  const answer = await pricing.send(new GetProductsCommand(input));
  expect(answer.FormatVersion).toBe('aws_v1');
  return documents(answer.PriceList);
}
const usd = (product: ProductDocument) =>
  Object.values(product.terms.OnDemand).flatMap((t) => Object.values(t.priceDimensions).map((d) => `${d.pricePerUnit.USD}/${d.unit}`));

describe('GetProducts', () => {
  it('answers Price List documents matching every TERM_MATCH filter, labelled as the sample', async () => {
    const found = await products({
      ServiceCode: 'AmazonEC2',
      Filters: [
        SEOUL,
        term('instanceType', 'm6i.large'),
        term('operatingSystem', 'RHEL'),
        term('tenancy', 'Shared'),
        term('capacitystatus', 'Used'),
      ],
    });
    expect(found).toHaveLength(1);
    expect(found[0].product.productFamily).toBe('Compute Instance');
    expect(found[0].product.attributes).toMatchObject({
      instanceType: 'm6i.large',
      operatingSystem: 'RHEL',
      usagetype: 'APN2-BoxUsage:m6i.large',
      location: 'Asia Pacific (Seoul)',
      sampleNote: SAMPLE_LABEL,
    });
    expect(usd(found[0])).toEqual(['0.1468/Hrs']);
    expect(SAMPLE_LABEL).toMatch(/hand-recorded sample.*not live prices.*may be out of date/);
  });

  it('filters on productFamily and ServiceCode too; EQUALS matches exactly, CONTAINS a substring', async () => {
    const nat = await products({ ServiceCode: 'AmazonEC2', Filters: [SEOUL, term('productFamily', 'NAT Gateway')] });
    expect(nat.map((p) => p.product.attributes.usagetype).sort()).toEqual(['APN2-NatGateway-Bytes', 'APN2-NatGateway-Hours']);
    expect(await products({ ServiceCode: 'AmazonEC2', Filters: [term('ServiceCode', 'AWSELB')] })).toEqual([]);
    expect(await products({ ServiceCode: 'AmazonEC2', Filters: [term('operatingSystem', 'RHE', 'EQUALS')] })).toEqual([]);
    const rhel = await products({ ServiceCode: 'AmazonEC2', Filters: [term('operation', 'RunInstances:', 'CONTAINS')] });
    expect(rhel.map((p) => p.product.attributes.instanceType).sort()).toEqual(['m5.xlarge', 'm6i.large', 'm6i.xlarge', 't3.micro']);
  });

  it('pages with MaxResults and NextToken, and refuses a token given for another question', async () => {
    const question = { ServiceCode: 'AmazonEC2', Filters: [term('productFamily', 'Compute Instance')], MaxResults: 2 };
    const seen: string[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const page = await pricing.send(new GetProductsCommand({ ...question, NextToken }));
      seen.push(...documents(page.PriceList).map((p) => p.product.attributes.usagetype));
      NextToken = page.NextToken;
      pages += 1;
      if (pages === 1) {
        const other = await rejection(pricing.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2', NextToken })));
        expect(other.name).toBe('InvalidNextTokenException');
      }
    } while (NextToken);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(4); // m6i.large is there as RHEL and as Linux
  });

  it.each([
    ['no service code', { ServiceCode: '' }, 'InvalidParameterException', 'serviceCode cannot be null or empty'],
    ['a malformed service code', { ServiceCode: 'Amazon EC2' }, 'InvalidParameterException', 'ServiceCode can only contain a-z, A-Z, 0-9'],
    ['a service the sample lacks', { ServiceCode: 'AmazonS3' }, 'NotFoundException', "The requested resource can't be found"],
    [
      'an unknown filter type',
      { ServiceCode: 'AmazonEC2', Filters: [{ Type: 'PREFIX', Field: 'x', Value: 'y' }] },
      'InvalidParameterException',
      'valid values are TERM_MATCH, EQUALS, CONTAINS, ANY_OF, NONE_OF',
    ],
    [
      'MaxResults above 100',
      { ServiceCode: 'AmazonEC2', MaxResults: 101 },
      'InvalidParameterException',
      'MaxResults must be between 1 and 100',
    ],
    ['another format version', { ServiceCode: 'AmazonEC2', FormatVersion: 'aws_v2' }, 'InvalidParameterException', 'aws_v1'],
  ])('refuses %s with %s', async (_what, input, code, message) => {
    const error = await rejection(pricing.send(new GetProductsCommand(input as GetProductsCommandInput)));
    expect(error.name).toBe(code);
    expect(error.message).toContain(message);
    expect(error.$metadata.httpStatusCode).toBe(400);
  });
});

describe('DescribeServices', () => {
  it("lists the sample's services, and one service's attribute names", async () => {
    const all = await pricing.send(new DescribeServicesCommand({}));
    expect(all.Services?.map((s) => s.ServiceCode).sort()).toEqual(['AWSELB', 'AmazonEC2', 'AmazonVPC']);
    const ec2 = await pricing.send(new DescribeServicesCommand({ ServiceCode: 'AmazonEC2' }));
    expect(ec2.Services?.[0].AttributeNames).toEqual(
      expect.arrayContaining(['instanceType', 'operatingSystem', 'regionCode', 'volumeApiName']),
    );
  });
});

describe('IAM', () => {
  const clientWith = (policy: PolicyDocument) => {
    const credentials = h.cloud.iam.account.assumeRole(`pricing-${Math.random()}`, 'session', policy);
    return { client: createPricingClient({ AWS_ENDPOINT_URL_PRICING: h.cloud.url }, credentials), principal: credentials.principalArn };
  };
  const allow = (Action: string[], Condition?: PolicyDocument['Statement'][number]['Condition']): PolicyDocument => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action, Resource: ['*'], ...(Condition && { Condition }) }],
  });
  const question = new GetProductsCommand({ ServiceCode: 'AWSELB', Filters: [SEOUL] });

  it('allows pricing:GetProducts on "*", and answers AccessDeniedException 401 naming the action without it', async () => {
    const granted = clientWith(allow(['pricing:GetProducts']));
    expect((await granted.client.send(question)).PriceList).toHaveLength(2);
    const denied = clientWith(allow(['ec2:DescribeTags']));
    const error = await rejection(denied.client.send(question));
    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata.httpStatusCode).toBe(401);
    expect(error.message).toContain(`User: ${denied.principal} is not authorized to perform: pricing:GetProducts`);
    granted.client.destroy();
    denied.client.destroy();
  });

  it('evaluates aws:RequestedRegion as the region the request is signed for (us-east-1), not the build region', async () => {
    const seoulOnly = clientWith(allow(['pricing:GetProducts'], { StringEquals: { 'aws:RequestedRegion': 'ap-northeast-2' } }));
    expect((await rejection(seoulOnly.client.send(question))).name).toBe('AccessDeniedException');
    const pricingRegion = clientWith(allow(['pricing:GetProducts'], { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } }));
    expect((await pricingRegion.client.send(question)).PriceList).toHaveLength(2);
    seoulOnly.client.destroy();
    pricingRegion.client.destroy();
  });
});

describe('a build estimated against the embedded cloud', () => {
  it('prices every line of the Seoul and closed-network examples and says the prices are the recorded sample', async () => {
    const seoul = await estimateCost(pricing, seoulPlan());
    expect(seoul.unknown).toEqual([]);
    expect(seoul.source).toContain(SAMPLE_LABEL);
    expect(seoul.source).toContain(`at ${h.cloud.url}`);
    // 3 × 0.1468 + 3 × 0.2936 + 0.0418 + 470 GiB × 0.0912 / 720 + 0.0225 + 0.005 per hour.
    expect(seoul.knownHourlyUsd).toBeCloseTo(0.4404 + 0.8808 + 0.0418 + (470 * 0.0912) / 720 + 0.0225 + 0.005, 8);
    const closed = await estimateCost(pricing, closedNetworkPlan());
    expect(closed.unknown).toEqual([]);
    expect(closed.lines.map((l) => l.item)).toEqual(
      expect.arrayContaining(['NAT gateway', 'interface endpoint', 'transit gateway attachment', 'public IPv4 address']),
    );
    expect(h.cloud.stats().calls['pricing:GetProducts']).toBe(6 + 9);
  });

  it('leaves every line unknown, with the denial, for a caller without pricing:GetProducts — never a $0 total', async () => {
    const credentials = h.cloud.iam.account.assumeRole('no-pricing', 'session', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['ec2:DescribeTags'], Resource: ['*'] }],
    });
    const denied = createPricingClient({ AWS_ENDPOINT_URL_PRICING: h.cloud.url }, credentials);
    const estimate = await estimateCost(denied, seoulPlan());
    expect(estimate.unknown).toHaveLength(estimate.lines.length);
    expect(estimate.lines.every((l) => l.hourlyUsd === undefined && /AccessDeniedException/.test(l.note ?? ''))).toBe(true);
    expect(estimateLines(estimate)).toContainEqual(expect.stringMatching(/^ {2}Total +unknown +\(no price was found\)$/));
    denied.destroy();
  });
});
