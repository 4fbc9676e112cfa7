// The README's quickstart job, kept here so a test runs it exactly as written there.
import { defineJob, input, output, param, type Values } from '../src/index.ts';

export default defineJob({
  name: 'top-users',
  description: 'Total amount per user from NDJSON order records.',
  params: { minAmount: param.number({ default: 0, description: 'ignore smaller orders' }) },
  input: input.ndjson(), // files come from --input
  map(order: { user: string; amount: number }, emit, ctx) {
    if (order.amount >= ctx.params.minAmount) emit(order.user, order.amount);
  },
  combine: (_user, amounts: number[]) => [amounts.reduce((a, b) => a + b, 0)],
  async reduce(user: string, amounts: Values<number>, emit) {
    let total = 0;
    for await (const a of amounts) total += a; // values stream: a key may have millions
    emit({ user, total });
  },
  outputs: {
    user_totals: output.table('user_totals', { user: 'STRING', total: 'FLOAT64' }, { mode: 'truncate' }),
  },
});
