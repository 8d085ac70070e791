import type { WriteStream } from 'node:tty';

/** A one-line progress bar, drawn only when stderr is a terminal (never into logs or pipes). */
export class ProgressBar {
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  update(done: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && done !== this.total) return;
    this.lastDraw = now;
    const mib = (n: number) => (n / 1048576).toFixed(1);
    const width = Math.max(10, Math.min(40, ((this.stream as WriteStream).columns ?? 80) - 40));
    if (this.total && this.total > 0) {
      const fraction = Math.min(1, done / this.total);
      const filled = Math.round(fraction * width);
      this.stream.write(
        `\r${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(fraction * 100)}% ${mib(done)}/${mib(this.total)} MiB`,
      );
    } else {
      this.stream.write(`\r${this.label} ${mib(done)} MiB`);
    }
  }

  finish(): void {
    if (this.enabled) this.stream.write('\n');
  }
}
