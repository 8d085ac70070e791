// The daemons' schedule when a renewal only returns the still-valid credentials it had (the IdP
// is down and the provider falls back): back off like a failure instead of waking every second.
import { runRefreshLoop } from '../../client/credentials/refresh-loop';

test('an expiry inside the margin counts as a failed renewal, backs off, and recovers', async () => {
  const controller = new AbortController();
  const log: string[] = [];
  const soon = new Date(Date.now() + 100_000);
  let calls = 0;
  const code = await runRefreshLoop({
    refresh: async () => {
      calls += 1;
      if (calls <= 2) return soon; // 100 s left, margin 300 s: not renewed
      controller.abort();
      return new Date(Date.now() + 3_600_000);
    },
    marginSeconds: 300,
    once: false,
    signal: controller.signal,
    log: (m) => log.push(m),
    backoffBaseMs: 40,
    backoffMaxMs: 80,
  });
  expect(code).toBe(0);
  expect(calls).toBe(3);
  expect(log[0]).toBe(`not renewed (attempt 1): still valid until ${soon.toISOString()}, retrying in 0 s`);
  // The backoff's delay (20–40 ms here), not the one-second floor of a refresh already due.
  expect(log[1]).toMatch(/^not renewed \(attempt 2\): still valid until \S+, retrying in 0 s$/);
  expect(log[2]).toMatch(/^refreshed; valid until /);
});

test('--once accepts still-valid credentials (the file holds usable ones)', async () => {
  const code = await runRefreshLoop({
    refresh: async () => new Date(Date.now() + 100_000),
    marginSeconds: 300,
    once: true,
    signal: new AbortController().signal,
    log: () => undefined,
  });
  expect(code).toBe(0);
});
