import { ROUTES } from '../../infra/api';
import { ROUTES as API_ROUTES } from '../../functions/api/router';
import { OPERATION_ROUTES } from '../../functions/ops/router';

/**
 * The deployed API sends each route to the function that serves it: the api function's table to it, the
 * operations function's to that one (openapi.yaml documents both tables: test/unit/api/openapi.test.ts).
 */
describe('API routes', () => {
  const deployed = (fn: string) =>
    ROUTES.filter((r) => r.fn === fn)
      .map((r) => `${r.method} ${r.path}`)
      .sort();
  const served = (table: ReadonlyArray<{ method: string; path: string }>) => table.map((r) => `${r.method} ${r.path}`).sort();

  it('integrates exactly the api function routes with the api function', () => {
    expect(deployed('api')).toEqual(served(API_ROUTES));
  });

  it('integrates exactly the operations function routes with the operations function', () => {
    expect(deployed('operations')).toEqual(served(OPERATION_ROUTES));
  });

  it('routes every path to one function only', () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
