/**
 * How long-running library code talks to the user without logging from deep inside: it receives a Reporter.
 * The console reporter writes to stderr (stdout stays clean for data) and draws a progress line only on a TTY.
 */
import { redact } from './secrets.js';

export interface Progress {
  tick(n?: number): void;
  done(): void;
}

export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
  progress(label: string, total?: number, unit?: string): Progress;
}

const NOOP_PROGRESS: Progress = { tick() {}, done() {} };

/** 42 s, 3 min 05 s, 1 h 02 min. */
export function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

export const silentReporter: Reporter = { info() {}, warn() {}, progress: () => NOOP_PROGRESS };

export function consoleReporter(opts: { stream?: NodeJS.WriteStream; tty?: boolean; quiet?: boolean } = {}): Reporter {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? Boolean(stream.isTTY);
  const quiet = opts.quiet ?? false;
  return {
    info(message) {
      if (!quiet) stream.write(`${redact(message)}\n`);
    },
    warn(message) {
      stream.write(`warning: ${redact(message)}\n`);
    },
    progress(label, total, unit = '') {
      if (!tty || quiet) return NOOP_PROGRESS;
      let count = 0;
      let last = 0;
      const started = Date.now();
      const draw = () => {
        const secs = (Date.now() - started) / 1000;
        const pct = total ? ` ${((100 * count) / total).toFixed(0).padStart(3)}%` : '';
        const of = total ? `/${total.toLocaleString('en-US')}` : '';
        // Rate once a second has passed (earlier it is noise), and the time left when the total is known.
        const rate = secs >= 1 ? count / secs : 0;
        const speed = rate > 0 ? `, ${rate >= 100 ? Math.round(rate).toLocaleString('en-US') : rate.toFixed(1)}${unit ? ` ${unit}` : ''}/s` : '';
        const eta = rate > 0 && total && count < total ? `, ETA ${formatSeconds((total - count) / rate)}` : '';
        stream.write(`\r\x1b[K  ${label}${pct} ${count.toLocaleString('en-US')}${of}${unit ? ` ${unit}` : ''} (${secs.toFixed(1)} s${speed}${eta})`);
      };
      return {
        tick(n = 1) {
          count += n;
          const now = Date.now();
          if (now - last > 100) {
            last = now;
            draw();
          }
        },
        done() {
          draw();
          stream.write('\n');
        },
      };
    },
  };
}
