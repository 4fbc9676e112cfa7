// Reading terraform/ in tests, offline: the HCL parsed to JSON with @cdktf/hcl2json (structure),
// and the provider-free files (variables.tf, locals.tf, the generated .tf.json) evaluated by the
// real terraform binary with `terraform console`, which needs no provider and no network. A machine
// without terraform fails these tests with a message saying so; it never skips them.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@cdktf/hcl2json';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const TERRAFORM_DIR = join(REPO, 'terraform');
/** The example root configurations; each calls the module as `module "cloudreduce"`. */
export const EXAMPLE_MAIN = join(TERRAFORM_DIR, 'examples', 'wordcount', 'main.tf');
/** The tweet-analytics app of issue 5: ingest, tweet-analytics every 5 hours, a nightly summary. */
export const TWEET_MAIN = join(TERRAFORM_DIR, 'examples', 'tweet-analytics', 'main.tf');

/** The files `terraform console` can evaluate without a provider. */
const PROVIDER_FREE = ['variables.tf', 'locals.tf', 'datastore-indexes.tf.json'];

/** The terraform binary, or a thrown error that says to install it (the test then fails, loudly). */
export function terraformBinary(): string {
  const candidates = [
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'terraform')),
    '/usr/local/bin/terraform',
  ];
  const found = candidates.find((path) => path !== 'terraform' && existsSync(path));
  if (!found) {
    throw new Error(
      'terraform not found: install it (https://developer.hashicorp.com/terraform/install) and put it on ' +
        'PATH. The terraform tests cannot check formatting or evaluate terraform/ without it.',
    );
  }
  return found;
}

export interface TerraformResult {
  code: number;
  stdout: string;
  stderr: string;
}

const ANSI = /\u001b\[[0-9;]*m/g;

export async function runTerraform(
  args: readonly string[],
  cwd: string,
  stdin = '',
): Promise<TerraformResult> {
  const binary = terraformBinary();
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      cwd,
      env: {
        ...process.env,
        TF_IN_AUTOMATION: '1',
        CHECKPOINT_DISABLE: '1',
        TF_CLI_CONFIG_FILE: '/dev/null',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? 1, stdout: stdout.replace(ANSI, ''), stderr: stderr.replace(ANSI, '') }),
    );
    child.stdin.end(stdin);
  });
}

/** The terraform version line, for messages. */
export function terraformVersion(): string {
  const result = spawnSync(terraformBinary(), ['version'], { encoding: 'utf8' });
  return result.stdout.split('\n')[0] ?? 'unknown';
}

/**
 * Evaluates `expression` (e.g. "local.function_env") in the provider-free part of terraform/, with
 * the given tfvars file and -var values, and returns it as JSON. Throws with terraform's own error
 * (a failed variable validation, say) when it cannot.
 */
export async function evaluate(
  expression: string,
  options: { tfvars?: string; args?: Record<string, unknown>; vars?: Record<string, string> } = {},
): Promise<unknown> {
  const dir = await mkdtemp(join(tmpdir(), 'cloudreduce-tf-eval-'));
  try {
    for (const file of PROVIDER_FREE) await copyFile(join(TERRAFORM_DIR, file), join(dir, file));
    const args = ['console'];
    if (options.tfvars) {
      await copyFile(options.tfvars, join(dir, 'input.tfvars'));
      args.push('-var-file=input.tfvars');
    }
    if (options.args) {
      await writeFile(join(dir, 'args.tfvars.json'), JSON.stringify(options.args));
      args.push('-var-file=args.tfvars.json');
    }
    for (const [name, value] of Object.entries(options.vars ?? {})) args.push(`-var=${name}=${value}`);
    // One expression per call: piped console prints only the last result.
    const result = await runTerraform(args, dir, `jsonencode(${expression})\n`);
    const line = result.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1);
    if (result.code !== 0 || /\bError\b/.test(result.stderr) || !line?.startsWith('"')) {
      throw new Error(
        `terraform console could not evaluate ${expression} (exit ${result.code}):\n${result.stderr}${result.stdout}`,
      );
    }
    return JSON.parse(JSON.parse(line) as string) as unknown;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A terraform configuration as hcl2json renders it: blocks are arrays of bodies. */
export interface Config {
  resource: Record<string, Record<string, Body[]>>;
  data: Record<string, Record<string, Body[]>>;
  variable: Record<string, Body[]>;
  output: Record<string, Body[]>;
  locals: Body[];
  terraform: Body[];
  provider: Record<string, Body[]>;
}

export type Body = Record<string, unknown>;

/** Every .tf file of terraform/ (not examples/), parsed and merged. */
export async function loadConfig(): Promise<{ config: Config; text: Record<string, string> }> {
  const config: Config = {
    resource: {},
    data: {},
    variable: {},
    output: {},
    locals: [],
    terraform: [],
    provider: {},
  };
  const text: Record<string, string> = {};
  const files = (await readdir(TERRAFORM_DIR)).filter((f) => f.endsWith('.tf')).sort();
  for (const file of files) {
    text[file] = await readFile(join(TERRAFORM_DIR, file), 'utf8');
    const parsed = (await parse(file, text[file])) as Partial<Config>;
    for (const kind of ['resource', 'data'] as const) {
      for (const [type, byName] of Object.entries(parsed[kind] ?? {})) {
        for (const [name, bodies] of Object.entries(byName)) {
          const types = (config[kind][type] ??= {});
          if (types[name]) throw new Error(`${kind} ${type}.${name} is declared twice (second in ${file})`);
          types[name] = bodies;
        }
      }
    }
    for (const kind of ['variable', 'output', 'provider'] as const)
      Object.assign(config[kind], parsed[kind] ?? {});
    config.locals.push(...(parsed.locals ?? []));
    config.terraform.push(...(parsed.terraform ?? []));
  }
  return { config, text };
}

/** The one body of resource type.name; fails with the names that do exist. */
export function resource(config: Config, type: string, name: string): Body {
  const body = config.resource[type]?.[name]?.[0];
  if (!body) {
    const known = Object.keys(config.resource[type] ?? {}).join(', ') || 'none';
    throw new Error(`terraform/ declares no resource ${type}.${name} (declared ${type}: ${known})`);
  }
  return body;
}

/** The first body of a nested block (hcl2json renders blocks as arrays). */
export function block(body: Body, name: string): Body {
  const value = body[name];
  if (!Array.isArray(value) || typeof value[0] !== 'object')
    throw new Error(`expected a ${name} { } block, found ${JSON.stringify(value)}`);
  return value[0] as Body;
}

/** A tfvars file written for one test, removed by the caller's cleanup. */
export async function writeTfvars(dir: string, name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

/**
 * A pattern for a terraform error message as `terraform console` prints it: wrapped at the terminal
 * width inside a box drawn with "│", so any run of spaces may be a line break plus the box edge.
 */
export function messagePattern(message: string): RegExp {
  const escaped = message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(escaped.replace(/ +/g, '[\\s│]+'));
}

/** The arguments of the `module "NAME"` call in a root configuration, as hcl2json renders them. */
export async function moduleCall(mainTf: string, name = 'cloudreduce'): Promise<Body> {
  const parsed = (await parse(mainTf, await readFile(mainTf, 'utf8'))) as { module?: Record<string, Body[]> };
  const call = parsed.module?.[name]?.[0];
  if (!call) throw new Error(`${mainTf} has no module "${name}" block`);
  return call;
}

/**
 * The literal arguments of a module call, as variable values for `evaluate` (args): everything but
 * `source`, `providers` and arguments that are expressions (hcl2json writes those as "${...}"),
 * which `terraform console` could not evaluate outside the root configuration.
 */
export async function moduleArguments(
  mainTf: string,
  name = 'cloudreduce',
): Promise<Record<string, unknown>> {
  const call = await moduleCall(mainTf, name);
  return Object.fromEntries(
    Object.entries(call).filter(
      ([key, value]) =>
        !['source', 'providers', 'version', 'depends_on'].includes(key) &&
        !JSON.stringify(value).includes('${'),
    ),
  );
}
