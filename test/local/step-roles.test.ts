import { createStepRoles, scaleWaitRequest } from '../../local/step-roles';

describe('scaleWaitRequest (a step asks the local state machine to wait)', () => {
  const realNow = () => Date.parse('2026-11-27T12:00:00.000Z');

  it('adds waitUntil, the real instant waitSeconds simulated seconds away, and keeps every other field', () => {
    const answer = { ready: false, waitSeconds: 165, pending: ['i-1'], nested: { waitSeconds: 600 } };
    expect(scaleWaitRequest(answer, 60, realNow)).toEqual({ ...answer, waitUntil: '2026-11-27T12:00:02.750Z' });
  });

  it('keeps the millisecond a scaled wait needs (SecondsPath would round 5 s at ×60 up to a whole simulated minute)', () => {
    expect(scaleWaitRequest({ waitSeconds: 5 }, 60, realNow)).toEqual({ waitSeconds: 5, waitUntil: '2026-11-27T12:00:00.083Z' });
    expect(scaleWaitRequest({ waitSeconds: 0 }, 60, realNow)).toEqual({ waitSeconds: 0, waitUntil: '2026-11-27T12:00:00.000Z' });
  });

  it('copies: the handler’s own object is left as it was', () => {
    const answer = { waitSeconds: 90 };
    expect(scaleWaitRequest(answer, 30, realNow)).not.toBe(answer);
    expect(answer).toEqual({ waitSeconds: 90 });
  });

  it.each<[string, unknown]>([
    ['an answer without waitSeconds', { ready: true }],
    ['a waitSeconds that is not a number', { waitSeconds: '90' }],
    ['an array', [{ waitSeconds: 90 }]],
    ['a non-object', 42],
    ['nothing', undefined],
  ])('returns %s unchanged', (_what, answer) => {
    expect(scaleWaitRequest(answer, 60, realNow)).toBe(answer);
  });
});

describe('createStepRoles options', () => {
  it.each([0, -1, Number.NaN])('refuses a time scale of %p (simulated seconds per real second must be positive)', (timeScale) => {
    expect(() => createStepRoles({ endpoints: {}, logLevel: 'WARN', region: 'ap-northeast-2', timeScale })).toThrow(RangeError);
  });
});
