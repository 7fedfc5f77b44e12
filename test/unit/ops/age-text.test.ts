import { formatAge } from '../../../functions/ops/age-text';

/** One way to print an orphan's age, in `k8s-ec2 orphans` and in the daily Slack report alike. */
it.each([
  [40, '40s'],
  [7 * 60 + 5, '7m 05s'],
  [3 * 3600 + 12 * 60 + 59, '3h 12m'],
  [86_400 - 1, '23h 59m'],
  [4 * 86_400 + 3 * 3600, '4d 03h'],
  [400 * 86_400, '400d 00h'],
])('prints %i seconds as "%s"', (seconds, text) => {
  expect(formatAge(seconds)).toBe(text);
});

it.each([undefined, -1, Number.NaN])('prints nothing for an age AWS does not tell (%s)', (seconds) => {
  expect(formatAge(seconds)).toBe('');
});
