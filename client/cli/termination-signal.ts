/** An AbortSignal fired by SIGTERM or SIGINT, for the daemons' clean exit. */
export function terminationSignal(): AbortSignal {
  const controller = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => controller.abort());
  return controller.signal;
}
