/**
 * A real Docker engine for the container tests: $DOCKER_HOST when set (CI starts dockerd on a private socket),
 * otherwise a dockerd this helper starts on a private socket when Debian's docker.io is installed and we are root.
 * Returns null when neither is possible; the tests then skip, unless CPROX_REQUIRE_DOCKER=1 (CI) makes that a failure.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './cli.js';
import Docker from 'dockerode';

export interface Engine {
  docker: Docker;
  env: Record<string, string>;
  stop(): Promise<void>;
}

async function ping(docker: Docker): Promise<boolean> {
  return docker.ping().then(
    () => true,
    () => false,
  );
}

export async function startEngine(): Promise<Engine | null> {
  if (process.env.DOCKER_HOST) {
    const docker = new Docker();
    if (await ping(docker)) return { docker, env: { DOCKER_HOST: process.env.DOCKER_HOST }, stop: async () => {} };
  }
  let dockerd: string;
  try {
    dockerd = execFileSync('sh', ['-c', 'command -v dockerd'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
  if (!dockerd || process.getuid?.() !== 0) return null;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cprox-dockerd-'));
  const socket = path.join(dir, 'docker.sock');
  const child = spawn(
    dockerd,
    [
      '--host',
      `unix://${socket}`,
      '--data-root',
      path.join(dir, 'data'),
      '--exec-root',
      path.join(dir, 'exec'),
      '--pidfile',
      path.join(dir, 'docker.pid'),
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
    ],
    { stdio: 'ignore' },
  );
  const docker = new Docker({ socketPath: socket });
  for (let i = 0; i < 100 && !(await ping(docker)); i++) await new Promise((r) => setTimeout(r, 200));
  if (!(await ping(docker))) {
    child.kill();
    return null;
  }
  return {
    docker,
    env: { DOCKER_HOST: `unix://${socket}` },
    stop: async () => {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill();
      });
      // dockerd leaves its network-namespace bind mount behind; unmount it so the folder can go.
      try {
        execFileSync('umount', [path.join(dir, 'exec', 'netns', 'default')], { stdio: 'ignore' });
      } catch {
        // not mounted
      }
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

/** An image FROM scratch holding this machine's node and the libraries it links (no registry needed). */
export async function buildNodeBaseImage(docker: Docker, tag: string): Promise<void> {
  const ctx = await mkdtemp(path.join(os.tmpdir(), 'cprox-base-'));
  try {
    const node = execFileSync('sh', ['-c', 'readlink -f "$(command -v node)"'], { encoding: 'utf8' }).trim();
    // node's libraries and those of the native addons it loads (onnxruntime, usearch).
    const find =
      'find node_modules/onnxruntime-node/bin node_modules/usearch/prebuilds \\( -name "*.node" -o -name "libonnxruntime.so*" \\) -path "*linux[-/]x64*"';
    const addons = execFileSync('sh', ['-c', find], { encoding: 'utf8', cwd: ROOT })
      .split('\n')
      .filter(Boolean)
      .map((f) => path.join(ROOT, f));
    const libs = [...new Set([node, ...addons].flatMap((f) => execFileSync('ldd', [f], { encoding: 'utf8' }).match(/\/\S+/g) ?? []))].filter(
      (l) => !l.includes('node_modules'),
    );
    const root = path.join(ctx, 'rootfs');
    await mkdir(path.join(root, 'usr', 'local', 'bin'), { recursive: true });
    await cp(node, path.join(root, 'usr', 'local', 'bin', 'node'));
    for (const lib of libs) {
      await mkdir(path.join(root, path.dirname(lib)), { recursive: true });
      await cp(lib, path.join(root, lib), { dereference: true });
    }
    await mkdir(path.join(root, 'tmp'), { recursive: true });
    await mkdir(path.join(root, 'etc'), { recursive: true });
    await writeFile(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    await writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/bin\n');
    const stream = await docker.buildImage({ context: ctx, src: ['Dockerfile', 'rootfs'] }, { t: tag, networkmode: 'none' });
    await new Promise((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res))));
  } finally {
    await rm(ctx, { recursive: true, force: true });
  }
}
