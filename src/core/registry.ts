// Jobs by name. The CLI and the cloud functions fill it from job modules (built-ins plus the user's
// own, see docs/jobs.md); nothing in the framework needs editing to add a job.

import { ConfigError } from './errors.ts';
import type { Job } from './job.ts';

export class JobRegistry {
  readonly #jobs = new Map<string, { job: Job; module?: string }>();

  register(job: Job, module?: string): void {
    const existing = this.#jobs.get(job.name);
    if (existing && existing.job !== job) {
      throw new ConfigError(
        `Two jobs are named "${job.name}" (${existing.module ?? 'built-in'} and ${module ?? 'built-in'}); job names must be unique.`,
      );
    }
    this.#jobs.set(job.name, module === undefined ? { job } : { job, module });
  }

  get(name: string): Job {
    const entry = this.#jobs.get(name);
    if (!entry) {
      const known = [...this.#jobs.keys()].sort();
      throw new ConfigError(
        `Unknown job "${name}". Known jobs: ${known.join(', ') || 'none'}. ` +
          'To add your own, pass its module with --jobs ./path/to/job.ts (see `cloudreduce jobs`).',
      );
    }
    return entry.job;
  }

  /** The module a job was registered from (undefined for built-in jobs). */
  moduleOf(name: string): string | undefined {
    return this.#jobs.get(name)?.module;
  }

  has(name: string): boolean {
    return this.#jobs.has(name);
  }

  list(): { job: Job; module?: string }[] {
    return [...this.#jobs.values()].sort((a, b) => a.job.name.localeCompare(b.job.name));
  }

  /** The module paths a worker must import to see the same jobs. */
  modules(): string[] {
    return [...new Set([...this.#jobs.values()].flatMap((e) => (e.module ? [e.module] : [])))];
  }
}
