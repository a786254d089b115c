/**
 * onnxruntime-node, loaded lazily (its native library is only needed by ONNX embedders and exact search), and one
 * place that turns `--device` into execution providers. CUDA is never a silent fallback: asking for it on a machine
 * without onnxruntime-node's CUDA binaries is an error that says how to install them.
 */
import os from 'node:os';
import type { InferenceSession } from 'onnxruntime-node';
import { CproxError } from './errors.js';

export type Device = 'cpu' | 'cuda';
export const DEVICES = ['cpu', 'cuda'] as const;

type Ort = typeof import('onnxruntime-node');
let loaded: Promise<Ort> | null = null;

export function ort(): Promise<Ort> {
  loaded ??= import('onnxruntime-node').then((m) => {
    const o = (m as { default?: Ort }).default ?? m;
    // Failures reach the user as typed errors with a hint; the native logger would print them a second time.
    o.env.logLevel = 'fatal';
    return o;
  });
  return loaded;
}

export async function createSession(model: string | Uint8Array, device: Device, what: string): Promise<InferenceSession> {
  const { InferenceSession } = await ort();
  const options: InferenceSession.SessionOptions = {
    executionProviders: device === 'cuda' ? ['cuda'] : ['cpu'],
    intraOpNumThreads: Math.max(1, os.availableParallelism()),
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  };
  try {
    return typeof model === 'string' ? await InferenceSession.create(model, options) : await InferenceSession.create(model, options);
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    if (device === 'cuda') {
      throw new CproxError('BAD_INPUT', `${what}: the CUDA execution provider could not start (${message.split('\n')[0]})`, {
        cause: e,
        hint:
          "install onnxruntime-node's CUDA 12 provider (cd node_modules/onnxruntime-node && ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install.js, " +
          'which `corpus-proximity build-image --cuda` does in the stage image) on a machine with an NVIDIA driver, or use --device cpu',
      });
    }
    throw new CproxError('BAD_INPUT', `${what}: onnxruntime could not load the model (${message.split('\n')[0]})`, {
      cause: e,
      hint: 'check that the file is a complete ONNX model (opset ≤ 21) exported for inference',
    });
  }
}
