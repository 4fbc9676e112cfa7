// An example job: how often each page was viewed and how long people stayed, from NDJSON visit
// records ({"page": "/home", "user": "ann", "ms": 1200}, one per line). Replace it with your own;
// list every job module in package.json under "cloudreduce": {"jobs": [...]}.
import { defineJob, input, output, type Values } from 'cloudreduce';

interface Visit {
  page: string;
  user: string;
  ms: number;
}

interface Totals {
  views: number;
  ms: number;
}

const add = (a: Totals, b: Totals): Totals => ({ views: a.views + b.views, ms: a.ms + b.ms });

export default defineJob({
  name: 'page-views',
  description: 'Views and total time spent per page, from NDJSON visit records.',
  params: {},
  input: input.ndjson(), // the files come from --input (locally) or the job message (in the cloud)
  map(visit: Visit, emit) {
    emit(visit.page, { views: 1, ms: visit.ms });
  },
  // Runs before the shuffle and may run any number of times: sums are associative and commutative.
  combine: (_page, totals: Totals[]) => [totals.reduce(add)],
  async reduce(page: string, totals: Values<Totals>, emit) {
    let sum: Totals = { views: 0, ms: 0 };
    for await (const t of totals) sum = add(sum, t); // values stream: a page may have millions
    emit({ page, views: sum.views, total_ms: sum.ms });
  },
  outputs: {
    page_views: output.table(
      'page_views',
      { page: 'STRING', views: 'INT64', total_ms: 'INT64' },
      { mode: 'truncate' },
    ),
  },
});
