/**
 * Secrets that must never be printed or stored: the configured LLM API key, AWS secret keys and tokens. Every
 * message that leaves the process (stderr, _FAILED.json, _PIPELINE_FAILED.json) passes through `redact`, because
 * a server may echo a key back (a 401 body quoting it) and that text would otherwise land in a bucket.
 */
const secrets = new Set<string>();
/** Shorter values would redact ordinary words. */
const MIN_SECRET_LENGTH = 8;
const SECRET_ENV = /(^|_)(API_?KEY|SECRET|TOKEN|PASSWORD|SECRET_ACCESS_KEY)$/i;

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

/** Registers every environment variable whose name says it holds a secret (…_API_KEY, …_TOKEN, …_SECRET…). */
export function registerSecretsFromEnv(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(env)) if (SECRET_ENV.test(name)) registerSecret(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
  return out;
}
