// terraform/alerts.tf: alert policies for failed runs, stalled runs and dead-lettered messages,
// built on the log entries the engine really writes (src/core/run-events.ts through the
// functions' JSON logger) — a renamed event or label would silently never alert, so the filters
// are checked against the code's constants.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createJsonLogger } from '../../src/cloud/json-logger.ts';
import { RUN_EVENTS } from '../../src/core/run-events.ts';
import { block, loadConfig, resource, type Body, type Config } from './helpers.ts';

let config: Config;
let text: Record<string, string>;
before(async () => {
  ({ config, text } = await loadConfig());
});

test('the engine’s failure entry has the fields the metrics filter and extract: jsonPayload.event, labels.job', () => {
  const lines: string[] = [];
  createJsonLogger('INFO', (l) => lines.push(l)).error('run r1 of job wordcount FAILED: boom', {
    event: RUN_EVENTS.failed,
    runId: 'r1',
    job: 'wordcount',
  });
  const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(entry.severity, 'ERROR');
  assert.equal(entry.event, 'run-failed', 'a top-level field: Cloud Logging puts it in jsonPayload');
  assert.deepEqual(entry['logging.googleapis.com/labels'], { runId: 'r1', job: 'wordcount' });
});

test('a log-based metric per alerted event, on this deployment’s functions, counting by job', () => {
  const metric = resource(config, 'google_logging_metric', 'run_event');
  assert.equal(metric.for_each, '${local.run_event_metrics}');
  assert.equal(metric.filter, '${local.function_log_filter} AND jsonPayload.event="${each.value.event}"');
  assert.match(
    text['alerts.tf']!,
    /function_log_filter = "resource\.type=\\"cloud_run_revision\\" AND resource\.labels\.service_name:\\"\$\{var\.name_prefix\}-\\""/,
  );
  // The events alerted on are the engine's constants (a rejected job message is the sender's
  // mistake, answered by `submit --wait`; it does not page anyone).
  for (const event of [RUN_EVENTS.failed, RUN_EVENTS.stalled])
    assert.match(text['alerts.tf']!, new RegExp(`event\\s+= "${event}"`), `alerts.tf alerts on ${event}`);
  const descriptor = block(metric, 'metric_descriptor');
  assert.equal(descriptor.metric_kind, 'DELTA');
  assert.equal(descriptor.value_type, 'INT64');
  assert.equal(block(descriptor, 'labels').key, 'job');
  assert.deepEqual(metric.label_extractors, { job: 'EXTRACT(labels.job)' });
});

function condition(policy: Body): Body {
  return block(block(policy, 'conditions'), 'condition_threshold');
}

test('failed and stalled runs alert on any count of their metric, notifying the given channels', () => {
  const policy = resource(config, 'google_monitoring_alert_policy', 'run_event');
  assert.equal(policy.for_each, '${local.run_event_metrics}');
  assert.equal(policy.notification_channels, '${var.alert_notification_channels}');
  const threshold = condition(policy);
  assert.equal(
    threshold.filter,
    'resource.type="cloud_run_revision" AND metric.type="logging.googleapis.com/user/${google_logging_metric.run_event[each.key].name}"',
  );
  assert.equal(threshold.comparison, 'COMPARISON_GT');
  assert.equal(threshold.threshold_value, 0);
  assert.deepEqual(block(threshold, 'aggregations').group_by_fields, ['metric.label.job']);
  assert.equal(block(policy, 'documentation').content, '${each.value.doc}');
  assert.equal(
    (text['alerts.tf']!.match(/cloudreduce logs RUN_ID --project/g) ?? []).length,
    2,
    'each says how to read the logs',
  );
});

test('messages held on the dead-letter hold subscription alert while any is undelivered', () => {
  const policy = resource(config, 'google_monitoring_alert_policy', 'dead_letter');
  assert.equal(policy.count, '${var.alerts_enabled ? 1 : 0}');
  assert.equal(policy.notification_channels, '${var.alert_notification_channels}');
  const threshold = condition(policy);
  assert.equal(
    threshold.filter,
    'resource.type="pubsub_subscription" AND resource.labels.subscription_id="${google_pubsub_subscription.dead_letter.name}" AND metric.type="pubsub.googleapis.com/subscription/num_undelivered_messages"',
  );
  assert.equal(threshold.comparison, 'COMPARISON_GT');
  assert.equal(threshold.threshold_value, 0);
  assert.equal(block(threshold, 'aggregations').per_series_aligner, 'ALIGN_MAX');
});

test('alerting is self-contained: its variables live in alerts.tf, its API is enabled there', () => {
  for (const name of ['alerts_enabled', 'alert_notification_channels', 'alert_auto_close']) {
    assert.ok(config.variable[name], `variable ${name}`);
    assert.match(text['alerts.tf']!, new RegExp(`variable "${name}"`));
  }
  const api = resource(config, 'google_project_service', 'monitoring');
  assert.equal(api.service, 'monitoring.googleapis.com');
  assert.equal(api.disable_on_destroy, false);
  for (const [file, body] of Object.entries(text))
    if (file !== 'alerts.tf')
      assert.doesNotMatch(body, /alert_notification_channels|google_monitoring_alert_policy/, file);
});
