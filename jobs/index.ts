// The built-in jobs. `cloudreduce jobs` lists them; user jobs are registered the same way from
// their own modules (docs/jobs.md), without editing this file.

export { wordcount } from './wordcount.ts';
export { wordcountBlocks } from './wordcount-blocks.ts';
export { dedupe, combinerSumsJob } from './golden.ts';
export { reverseIndex, reverseIndexSpread } from './reverse-index.ts';
export { tweetAnalytics } from './tweet-analytics.ts';
export { exerciseSummary } from './exercise-summary.ts';
export { migrateDropProperty } from './migrations/drop-property.ts';
export { migrateBackfill } from './migrations/backfill.ts';
