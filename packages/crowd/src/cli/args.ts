import { parseArgs } from 'node:util';

/** A whole or decimal number option, checked against its range. */
export interface NumberOption {
  kind: 'int' | 'number';
  /** How the value reads in the usage, e.g. `N` or `S`. */
  placeholder: string;
  help: string;
  min: number;
  max: number;
  /** Without a default the option is required. */
  default?: number;
}

/** A text option; `check` returns why a value is wrong, or null. */
export interface TextOption {
  kind: 'text';
  placeholder: string;
  help: string;
  /** Without a default the option is required, unless `optional`. */
  default?: string;
  optional?: boolean;
  check?: (value: string) => string | null;
}

/** A switch without a value. */
export interface FlagOption {
  kind: 'flag';
  help: string;
}

export type OptionSpec = NumberOption | TextOption | FlagOption;

/** What the options parse to: flags are booleans, numbers numbers, optional texts may be undefined. */
export type ParsedOptions<S extends Record<string, OptionSpec>> = {
  [K in keyof S]: S[K] extends FlagOption
    ? boolean
    : S[K] extends NumberOption
      ? number
      : S[K] extends { optional: true }
        ? string | undefined
        : string;
};

/** A command's description: its name (as typed after `npm run`), a summary line and its options. */
export interface Command<S extends Record<string, OptionSpec>> {
  name: string;
  summary: string;
  options: S;
}

/** The outcome of parsing: values, or what to print and the exit code (0 for --help, 2 for a bad argument). */
export type ParseOutcome<S extends Record<string, OptionSpec>> =
  { values: ParsedOptions<S> } | { exitCode: 0; stdout: string } | { exitCode: 2; stderr: string };

const isRequired = (spec: OptionSpec) =>
  spec.kind !== 'flag' && spec.default === undefined && !(spec.kind === 'text' && spec.optional);

/** The `--help` text: one line per option with its default. */
export function usage<S extends Record<string, OptionSpec>>(command: Command<S>): string {
  const entries = Object.entries(command.options);
  const synopsis = entries
    .map(([name, spec]) => {
      const arg = spec.kind === 'flag' ? `--${name}` : `--${name} ${spec.placeholder}`;
      return isRequired(spec) ? arg : `[${arg}]`;
    })
    .join(' ');
  const width = Math.max(...entries.map(([name]) => name.length), 4) + 4;
  const lines = entries.map(([name, spec]) => {
    const fallback = spec.kind !== 'flag' && spec.default !== undefined ? ` (default ${spec.default})` : '';
    return `  ${`--${name}`.padEnd(width)}${spec.help}${fallback}`;
  });
  return [
    `Usage: npm run ${command.name}${synopsis ? ` -- ${synopsis}` : ''}`,
    command.summary,
    '',
    ...lines,
    `  ${'--help'.padEnd(width)}this text`,
  ].join('\n');
}

function readNumber(name: string, spec: NumberOption, raw: string): number | string {
  const n = raw.trim() === '' ? NaN : Number(raw);
  const whole = spec.kind === 'int';
  if (!Number.isFinite(n) || (whole && !Number.isInteger(n)) || n < spec.min || n > spec.max) {
    const what = whole ? 'a whole number' : 'a number';
    return `--${name} must be ${what} from ${spec.min} to ${spec.max} (got "${raw}")`;
  }
  return n;
}

/** Why node's parser refused, in our words: its own messages run to several sentences. */
function parserMessage(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  const quoted = /'([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${quoted ?? ''}`.trim();
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument "${quoted ?? ''}"`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /--[\w-]+/.exec(message)?.[0] ?? 'an option';
    return message.includes('does not take') ? `${option} takes no value` : `${option} needs a value`;
  }
  return message.split('\n')[0];
}

/**
 * Parses `argv` with node's `util.parseArgs` (strict: unknown options and stray words are errors), then checks
 * every value. Never throws: a bad argument becomes one line naming it, for exit code 2.
 */
export function parseCommandLine<S extends Record<string, OptionSpec>>(
  command: Command<S>,
  argv: readonly string[],
): ParseOutcome<S> {
  const fail = (why: string) => ({
    exitCode: 2 as const,
    stderr: `${command.name}: ${why} (npm run ${command.name} -- --help)\n`,
  });
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(command.options)) {
    config[name] = { type: spec.kind === 'flag' ? 'boolean' : 'string' };
  }
  let raw: Record<string, string | boolean | undefined>;
  try {
    raw = parseArgs({ args: [...argv], options: config, strict: true, allowPositionals: false }).values;
  } catch (error) {
    return fail(parserMessage(error));
  }
  if (raw.help) return { exitCode: 0, stdout: `${usage(command)}\n` };

  const values: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const [name, spec] of Object.entries(command.options)) {
    const given = raw[name];
    if (spec.kind === 'flag') {
      values[name] = given === true;
    } else if (given === undefined) {
      if (isRequired(spec)) missing.push(`--${name}`);
      values[name] = spec.default;
    } else if (spec.kind === 'text') {
      const why = spec.check?.(String(given)) ?? null;
      if (why) return fail(`--${name} ${why}`);
      values[name] = given;
    } else {
      const n = readNumber(name, spec, String(given));
      if (typeof n === 'string') return fail(n);
      values[name] = n;
    }
  }
  if (missing.length > 0) return fail(`${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} required`);
  return { values: values as ParsedOptions<S> };
}

/** Parses this process's arguments; prints the usage and exits 0 on --help, one line and exit 2 when wrong. */
export function readCommandLine<S extends Record<string, OptionSpec>>(command: Command<S>): ParsedOptions<S> {
  const outcome = parseCommandLine(command, process.argv.slice(2));
  if ('values' in outcome) return outcome.values;
  if (outcome.exitCode === 0) process.stdout.write(outcome.stdout);
  else process.stderr.write(outcome.stderr);
  process.exit(outcome.exitCode);
}

/** A check for `--url`: an http(s) address. */
export function httpUrl(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:'
      ? null
      : 'must start with http:// or https://';
  } catch {
    return `must be a URL such as http://localhost:3000 (got "${value}")`;
  }
}
