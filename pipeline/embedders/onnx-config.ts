/**
 * What `--embedder onnx:DIR` reads: DIR/model.onnx (or DIR/onnx/model.onnx, the Hugging Face layout),
 * DIR/tokenizer.json, and the embedding settings. The settings come from DIR/embedder.json when present, otherwise
 * from the sentence-transformers files a model repository ships (1_Pooling/config.json, sentence_bert_config.json,
 * config_sentence_transformers.json, config.json), so a downloaded model folder works as it is.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { CproxError } from '../errors.js';
import { hashValue, sha256OfFile } from '../hash.js';

export const ONNX_CONFIG_FILE = 'embedder.json';

export const OnnxSettingsSchema = z.object({
  pooling: z.enum(['cls', 'mean']),
  /** Longest input in tokens, special tokens included; longer texts are truncated. */
  max_tokens: z.number().int().min(4).max(8192),
  /** Prepended to queries (annotated sentences), e.g. arctic-embed's "Represent this sentence for searching relevant passages: ". */
  query_prefix: z.string().default(''),
  /** Prepended to passages (corpus chunks). */
  passage_prefix: z.string().default(''),
  /** Width of the model's output vectors. */
  dims: z.number().int().positive(),
  /** Output to pool: a [batch, tokens, dims] hidden state, or a [batch, dims] sentence embedding; default the first output. */
  output: z.string().min(1).optional(),
});
export type OnnxSettings = z.infer<typeof OnnxSettingsSchema>;

export interface OnnxModelDir {
  dir: string;
  modelPath: string;
  tokenizerPath: string;
  settings: OnnxSettings;
}

const EXAMPLE = `{"pooling": "cls", "max_tokens": 512, "dims": 1024, "query_prefix": "Represent this sentence for searching relevant passages: "}`;

const missing = (dir: string, what: string) =>
  new CproxError('NOT_FOUND', `onnx embedder folder ${dir} has no ${what}`, {
    hint: `the folder needs model.onnx (or onnx/model.onnx), tokenizer.json and ${ONNX_CONFIG_FILE}, e.g. ${EXAMPLE}`,
  });

async function readJsonIfAny(file: string): Promise<Record<string, unknown> | null> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch (e) {
    throw new CproxError('BAD_INPUT', `${file} is not valid JSON (${(e as Error).message})`, { hint: `fix the file, e.g. ${EXAMPLE}` });
  }
}

/** Settings from the sentence-transformers files, for a model folder without embedder.json. */
async function sentenceTransformersSettings(dir: string): Promise<Record<string, unknown> | null> {
  const pooling = await readJsonIfAny(path.join(dir, '1_Pooling', 'config.json'));
  const model = await readJsonIfAny(path.join(dir, 'config.json'));
  if (!pooling && !model) return null;
  const st = await readJsonIfAny(path.join(dir, 'sentence_bert_config.json'));
  const prompts = ((await readJsonIfAny(path.join(dir, 'config_sentence_transformers.json')))?.prompts ?? {}) as Record<string, unknown>;
  return {
    pooling: pooling?.pooling_mode_cls_token ? 'cls' : pooling?.pooling_mode_mean_tokens ? 'mean' : undefined,
    max_tokens: st?.max_seq_length ?? model?.max_position_embeddings,
    dims: pooling?.word_embedding_dimension ?? model?.hidden_size,
    query_prefix: typeof prompts.query === 'string' ? prompts.query : '',
    passage_prefix: typeof prompts.document === 'string' ? prompts.document : typeof prompts.passage === 'string' ? prompts.passage : '',
  };
}

export async function readOnnxModelDir(dirArg: string): Promise<OnnxModelDir> {
  const dir = path.resolve(dirArg);
  if (
    !(await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new CproxError('NOT_FOUND', `onnx embedder folder not found: ${dir}`, {
      hint: `pass --embedder onnx:DIR where DIR holds model.onnx, tokenizer.json and ${ONNX_CONFIG_FILE}`,
    });
  }
  const candidates = [path.join(dir, 'model.onnx'), path.join(dir, 'onnx', 'model.onnx')];
  const modelPath = (
    await Promise.all(
      candidates.map((f) =>
        stat(f).then(
          (s) => s.isFile(),
          () => false,
        ),
      ),
    )
  ).findIndex(Boolean);
  if (modelPath < 0) throw missing(dir, 'model.onnx');
  const tokenizerPath = path.join(dir, 'tokenizer.json');
  if (
    !(await stat(tokenizerPath).then(
      (s) => s.isFile(),
      () => false,
    ))
  )
    throw missing(dir, 'tokenizer.json');
  const configFile = path.join(dir, ONNX_CONFIG_FILE);
  const raw = (await readJsonIfAny(configFile)) ?? (await sentenceTransformersSettings(dir));
  if (!raw) throw missing(dir, `${ONNX_CONFIG_FILE} (nor sentence-transformers' 1_Pooling/config.json)`);
  const parsed = OnnxSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CproxError('BAD_INPUT', `${configFile}: ${issue.path.join('.') || 'settings'}: ${issue.message}`, {
      hint: `write ${ONNX_CONFIG_FILE} like ${EXAMPLE}`,
    });
  }
  return { dir, modelPath: candidates[modelPath], tokenizerPath, settings: parsed.data };
}

/** sha256 over the model bytes, the tokenizer and the settings: everything that changes a vector. */
export async function onnxFingerprint(m: OnnxModelDir): Promise<{ fingerprint: string; tokenizer: string }> {
  const [model, tokenizer] = await Promise.all([sha256OfFile(m.modelPath), sha256OfFile(m.tokenizerPath)]);
  if (!model || !tokenizer) throw missing(m.dir, 'readable model.onnx and tokenizer.json');
  return { fingerprint: hashValue({ model, tokenizer, settings: m.settings }), tokenizer };
}
