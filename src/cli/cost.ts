// The run's cost as `status RUN` prints it (the UI shows the same figures), and the price table
// from `--prices FILE` or env CLOUDREDUCE_PRICES (src/core/prices.ts has the defaults).

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import {
  DEFAULT_PRICES,
  mergePrices,
  runCost,
  runUsage,
  type PriceTable,
  type RunCost,
} from '../core/prices.ts';
import type { RunRecord, TaskRecord } from '../core/records.ts';
import { table } from './report.ts';

export function loadPrices(file: string | undefined, env: NodeJS.ProcessEnv, cwd: string): PriceTable {
  const path = file ?? env.CLOUDREDUCE_PRICES;
  if (!path) return DEFAULT_PRICES;
  let text: string;
  try {
    text = readFileSync(resolve(cwd, path), 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read the price table ${path}: ${(err as Error).message}.`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`The price table ${path} is not JSON: ${(err as Error).message}.`, { cause: err });
  }
  return mergePrices(parsed, `price table ${path}`);
}

export function costOf(run: RunRecord, tasks: readonly TaskRecord[], prices: PriceTable): RunCost {
  return runCost(runUsage(run.usage, tasks), prices);
}

export function formatMoney(amount: number, currency: string): string {
  const digits = amount !== 0 && amount < 0.01 ? 6 : 4;
  return `${currency === 'USD' ? '$' : `${currency} `}${amount.toFixed(digits)}`;
}

export function costLines(cost: RunCost): string {
  const rows = cost.lines.map((l) => ({
    item: l.item,
    used: l.amount,
    cost: formatMoney(l.cost, cost.prices.currency),
  }));
  rows.push({ item: 'total', used: '', cost: formatMoney(cost.total, cost.prices.currency) });
  return `cost (measured usage × ${cost.prices.source}):\n${table(rows)}`;
}
