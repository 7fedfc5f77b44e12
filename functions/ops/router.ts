import type { RouteTable } from '../api/router';
import type { OperationsContext } from './context';
import { createPlan } from './routes-plan';
import { listOrphans, sweepOrphan } from './routes-orphans';
import { verifyBuild } from './routes-verify';

/**
 * The routes the operations function serves (docs/design.md "12. Operating builds"): they read the account, and
 * the sweep starts a teardown. openapi.yaml documents them with the api function's (a test checks both ways).
 */
export const OPERATION_ROUTES: RouteTable<OperationsContext> = [
  { method: 'POST', path: '/plans', route: createPlan },
  { method: 'POST', path: '/builds/{id}/verify', route: verifyBuild },
  { method: 'GET', path: '/orphans', route: listOrphans },
  { method: 'POST', path: '/orphans/{buildId}/sweep', route: sweepOrphan },
];
