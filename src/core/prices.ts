// The one price table behind a run's cost (`cloudreduce status RUN`, `cloudreduce ui`), and the
// function sizes the function time is billed at. List prices for us-central1 (tier 1), in USD, as
// published on the Google Cloud pricing pages on 2025-06-01 (Cloud Run functions, Pub/Sub, Cloud
// Storage, Firestore in Datastore mode, BigQuery); free tiers are not subtracted. Override any
// entry with a JSON file of the same shape: `--prices FILE` or env CLOUDREDUCE_PRICES=FILE
// (docs/ui.md). Sizes default to terraform's function_defaults (terraform/locals.tf).

import { ConfigError } from './errors.ts';
import type { UsageFunction } from './records.ts';
import { addUsage, type Usage } from './usage.ts';

export interface FunctionSize {
  memoryGiB: number;
  vcpu: number;
}

export interface PriceTable {
  /** Where the prices come from, shown with every cost. */
  source: string;
  currency: string;
  /** Cloud Run functions (gen2), request-based billing. */
  vcpuSecond: number;
  gibSecond: number;
  perMillionInvocations: number;
  /** Pub/Sub throughput (publish and delivery; each request at least 1000 bytes). */
  pubsubPerTiB: number;
  /** Cloud Storage Standard, regional. */
  gcsClassAPer1000: number;
  gcsClassBPer1000: number;
  /** Firestore in Datastore mode, entity operations. */
  datastoreReadsPer100k: number;
  datastoreWritesPer100k: number;
  /** Batch load jobs run on the shared slot pool at no charge. */
  bigqueryLoad: number;
  sizes: Record<UsageFunction, FunctionSize>;
}

export const DEFAULT_PRICES: PriceTable = {
  source: 'Google Cloud list prices, us-central1, 2025-06-01 (free tiers not subtracted)',
  currency: 'USD',
  vcpuSecond: 0.000024,
  gibSecond: 0.0000025,
  perMillionInvocations: 0.4,
  pubsubPerTiB: 40,
  gcsClassAPer1000: 0.005,
  gcsClassBPer1000: 0.0004,
  datastoreReadsPer100k: 0.06,
  datastoreWritesPer100k: 0.18,
  bigqueryLoad: 0,
  // CPU as the memory tier gets it when terraform sets none (512 MiB: 0.333 vCPU, 1 GiB: 0.583).
  sizes: {
    split: { memoryGiB: 0.5, vcpu: 0.333 },
    map: { memoryGiB: 1, vcpu: 0.583 },
    reduce: { memoryGiB: 1, vcpu: 0.583 },
    finalize: { memoryGiB: 0.5, vcpu: 0.333 },
  },
};

export interface CostLine {
  item: string;
  amount: string;
  cost: number;
}

export interface RunCost {
  lines: CostLine[];
  total: number;
  usage: Usage;
  prices: PriceTable;
}

const TIB = 1024 ** 4;

/** Cost of a run from its usage, by function: time per function, requests summed over all. */
export function runCost(byFunction: Partial<Record<UsageFunction, Usage>>, prices: PriceTable): RunCost {
  const lines: CostLine[] = [];
  for (const fn of ['split', 'map', 'reduce', 'finalize'] as const) {
    const u = byFunction[fn];
    if (!u?.millis) continue;
    const size = prices.sizes[fn];
    const seconds = u.millis / 1000;
    lines.push({
      item: `${fn} time`,
      amount: `${seconds.toFixed(1)} s × (${size.vcpu} vCPU, ${size.memoryGiB} GiB)`,
      cost: seconds * (size.vcpu * prices.vcpuSecond + size.memoryGiB * prices.gibSecond),
    });
  }
  const usage = addUsage(...Object.values(byFunction));
  const n = (k: keyof Usage) => usage[k] ?? 0;
  lines.push(
    {
      item: 'invocations',
      amount: `${n('pubsubDelivered')}`,
      cost: (n('pubsubDelivered') / 1e6) * prices.perMillionInvocations,
    },
    {
      item: 'Pub/Sub',
      amount: `${n('pubsubPublished')} published, ${n('pubsubDelivered')} delivered, ${n('pubsubBytes')} bytes billed`,
      cost: (n('pubsubBytes') / TIB) * prices.pubsubPerTiB,
    },
    {
      item: 'Cloud Storage',
      amount: `${n('gcsClassA')} class A, ${n('gcsClassB')} class B, ${n('gcsFree')} deletes (free)`,
      cost:
        (n('gcsClassA') / 1000) * prices.gcsClassAPer1000 + (n('gcsClassB') / 1000) * prices.gcsClassBPer1000,
    },
    {
      item: 'Datastore',
      amount: `${n('datastoreReads')} reads, ${n('datastoreWrites')} writes`,
      cost:
        (n('datastoreReads') / 1e5) * prices.datastoreReadsPer100k +
        (n('datastoreWrites') / 1e5) * prices.datastoreWritesPer100k,
    },
    {
      item: 'BigQuery loads',
      amount: `${n('bigqueryLoads')}`,
      cost: n('bigqueryLoads') * prices.bigqueryLoad,
    },
  );
  return { lines, total: lines.reduce((sum, l) => sum + l.cost, 0), usage, prices };
}

/** `override` (parsed JSON) over the defaults; unknown or non-numeric entries are refused. */
export function mergePrices(override: unknown, where: string): PriceTable {
  if (override === null || typeof override !== 'object' || Array.isArray(override))
    throw new ConfigError(`${where}: a price table is a JSON object like docs/ui.md shows.`);
  const merged = { ...DEFAULT_PRICES, sizes: { ...DEFAULT_PRICES.sizes } } as PriceTable;
  for (const [key, value] of Object.entries(override)) {
    if (key === 'sizes') {
      for (const [fn, size] of Object.entries(value as object)) {
        const s = size as Partial<FunctionSize>;
        if (!(fn in merged.sizes) || typeof s?.memoryGiB !== 'number' || typeof s.vcpu !== 'number')
          throw new ConfigError(
            `${where}: sizes.${fn} must be { "memoryGiB": number, "vcpu": number } for one of ${Object.keys(merged.sizes).join(', ')}.`,
          );
        merged.sizes[fn as UsageFunction] = { memoryGiB: s.memoryGiB, vcpu: s.vcpu };
      }
    } else if (key === 'source' || key === 'currency') {
      if (typeof value !== 'string') throw new ConfigError(`${where}: ${key} must be a string.`);
      merged[key] = value;
    } else if (key in DEFAULT_PRICES && typeof value === 'number' && value >= 0) {
      (merged as unknown as Record<string, number>)[key] = value;
    } else {
      throw new ConfigError(
        `${where}: "${key}" is not a price (a number ≥ 0). Known: ${Object.keys(DEFAULT_PRICES).join(', ')}.`,
      );
    }
  }
  return merged;
}

/** The usage of a run by function: its own record plus its tasks' (map and reduce). */
export function runUsage(
  runUsage: Partial<Record<UsageFunction, Usage>> | undefined,
  tasks: readonly { phase: 'map' | 'reduce'; usage?: Usage }[],
): Partial<Record<UsageFunction, Usage>> {
  const total: Partial<Record<UsageFunction, Usage>> = { ...runUsage };
  for (const t of tasks) if (t.usage) total[t.phase] = addUsage(total[t.phase], t.usage);
  return total;
}
