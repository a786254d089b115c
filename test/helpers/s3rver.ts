/**
 * A real local S3 server (s3rver) for tests, in a child process: it needs Node's legacy OpenSSL provider, and the
 * SDK needs WHEN_REQUIRED checksums and the S3RVER/S3RVER credentials (see DESIGN.md, environment facts).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { ROOT } from './cli.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface S3Server {
  endpoint: string;
  /** Environment for the SDK (in this process or a child CLI). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startS3rver(directory: string, buckets: string[]): Promise<S3Server> {
  const port = await freePort();
  const bin = path.join(ROOT, 'node_modules', 's3rver', 'bin', 's3rver.js');
  const args = ['--openssl-legacy-provider', bin, '--directory', directory, '--port', String(port), '--silent', ...buckets.flatMap((b) => ['--configure-bucket', b])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3rver did not start: ${log}`)), 15_000);
    const onData = (d: Buffer) => {
      log += d;
      if (log.includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`s3rver exited (${code}): ${log}`)));
    // --silent suppresses the banner: poll the port instead.
    const poll = setInterval(async () => {
      const ok = await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false);
      if (ok) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve();
      }
    }, 100);
    child.on('exit', () => clearInterval(poll));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    env: { AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
