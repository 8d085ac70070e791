// Preloaded into every Node process a benchmark starts: appends the process's peak RSS (KiB)
// to $OIDC_S3_BENCH_RSS_DIR/rss when it exits.
const { appendFileSync } = require('node:fs');
const { join } = require('node:path');
const dir = process.env.OIDC_S3_BENCH_RSS_DIR;
if (dir) {
  process.on('exit', () => {
    try {
      appendFileSync(join(dir, 'rss'), `${process.resourceUsage().maxRSS}\n`);
    } catch {
      // A benchmark figure is not worth failing the measured program for.
    }
  });
}
