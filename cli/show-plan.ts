import { readFileSync } from 'node:fs';
import { plan } from '../functions/core/plan';
import { validateSpecText } from '../functions/core/spec';

/** Prints the validated plan for a spec file (what a build would create), or the spec's errors. */
function main(file: string): number {
  const result = validateSpecText(readFileSync(file, 'utf8'));
  if (!result.ok) {
    for (const e of result.errors) console.error(`✗ ${e.field}: ${e.message} [${e.code}]`);
    return 1;
  }
  const p = plan(result.spec, `${result.spec.name}-plan`);
  console.log(`Plan for ${p.spec.name} in ${p.spec.region} (VPC ${p.vpc.cidr})`);
  for (const s of [...p.privateSubnets, p.publicSubnet]) console.log(`  subnet  ${s.name.padEnd(28)} ${s.az}  ${s.cidr}`);
  for (const n of p.nodes) console.log(`  node    ${n.name.padEnd(28)} ${n.az}  ${n.instanceTypes.join(' → ')}`);
  console.log(`  bastion ${p.bastion.name.padEnd(28)} ${p.bastion.az}  ${p.bastion.instanceType} + Elastic IP`);
  console.log(`  nlb     ${p.loadBalancer.name.padEnd(28)} internal, cross-zone ${p.loadBalancer.crossZone ? 'on' : 'off'}`);
  for (const tg of p.targetGroups) console.log(`          listener TCP ${String(tg.listenerPort).padEnd(5)} → ${tg.targetRole} :${tg.targetPort} (${tg.name}, client IP preservation ${tg.preserveClientIp ? 'on' : 'off'})`);
  for (const sg of Object.values(p.securityGroups)) console.log(`  sg      ${sg.name.padEnd(28)} ${sg.ingress.length} ingress rules`);
  return 0;
}

process.exitCode = main(process.argv[2] ?? 'examples/seoul.json');
