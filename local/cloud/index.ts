export { startCloud } from './server';
export type { CloudOptions, CloudResource, EmbeddedCloud } from './server';
export type { ActiveFault, FaultInjector, FaultRule } from './faults';
export { QUOTA_CODES } from './quotas';
export { DEFAULT_LATENCY } from './contract';
