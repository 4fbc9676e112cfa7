// The shape of terraform/, parsed with @cdktf/hcl2json: the resources the deployment depends on
// are there and wired to the right things (without the google provider, terraform validate cannot
// run offline, so these assertions stand in for it). IAM has its own file, iam.test.ts.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { block, loadConfig, resource, type Body, type Config } from './helpers.ts';

// Resource types used, from the google provider 7.x docs; a typo in a type name fails here.
const KNOWN_TYPES = new Set([
  'google_bigquery_dataset',
  'google_bigquery_dataset_iam_member',
  'google_cloud_run_v2_service_iam_member',
  'google_cloud_scheduler_job',
  'google_cloudfunctions2_function',
  'google_firestore_database',
  'google_firestore_index',
  'google_logging_metric',
  'google_monitoring_alert_policy',
  'google_project_iam_member',
  'google_project_service',
  'google_pubsub_subscription',
  'google_pubsub_subscription_iam_member',
  'google_pubsub_topic',
  'google_pubsub_topic_iam_member',
  'google_service_account',
  'google_service_account_iam_member',
  'google_storage_bucket',
  'google_storage_bucket_iam_member',
  'google_storage_bucket_object',
  'google_storage_notification',
]);
const KNOWN_DATA_TYPES = new Set(['google_project', 'google_storage_project_service_account']);

let config: Config;
before(async () => {
  ({ config } = await loadConfig());
});

const locals = (name: string): unknown => config.locals.find((l) => name in l)?.[name];

describe('providers and APIs', () => {
  test('pins hashicorp/google to major 7 and uses no other provider', () => {
    const providers = config.terraform.flatMap((t) => (t.required_providers as Body[] | undefined) ?? []);
    assert.equal(providers.length, 1, 'one required_providers block');
    assert.deepEqual(Object.keys(providers[0]!), ['google']);
    const google = providers[0]!.google as { source: string; version: string };
    assert.equal(google.source, 'hashicorp/google');
    assert.match(google.version, /^~> 7(\.\d+)?$/);
  });

  test('every resource and data source type is a known google provider type', () => {
    for (const type of Object.keys(config.resource))
      assert.ok(KNOWN_TYPES.has(type), `unknown resource type ${type}; add it to KNOWN_TYPES if it is real`);
    for (const type of Object.keys(config.data))
      assert.ok(
        KNOWN_DATA_TYPES.has(type),
        `unknown data source type ${type}; add it to KNOWN_DATA_TYPES if it is real`,
      );
  });

  test('enables every API the resources use and keeps them enabled on destroy', () => {
    const apis = resource(config, 'google_project_service', 'api');
    assert.equal(apis.disable_on_destroy, false);
    const listed = String(locals('apis'));
    for (const api of [
      'cloudfunctions',
      'run',
      'cloudbuild',
      'artifactregistry',
      'pubsub',
      'storage',
      'cloudscheduler',
      'datastore',
      'firestore',
      'bigquery',
      'iam',
      'logging',
      'cloudresourcemanager',
    ])
      assert.ok(listed.includes(`${api}.googleapis.com`), `apis.tf must enable ${api}.googleapis.com`);
  });
});

describe('functions', () => {
  test('one nodejs22 function per entry of local.functions, entry point and settings from it', () => {
    const fn = resource(config, 'google_cloudfunctions2_function', 'fn');
    assert.equal(fn.for_each, '${local.functions}');
    const build = block(fn, 'build_config');
    assert.equal(build.runtime, 'nodejs22', 'nodejs20 is decommissioned; deploy on nodejs22');
    assert.equal(build.entry_point, '${each.value.entry_point}');
    assert.deepEqual(build.environment_variables, { NODE_ENV: 'production' });
    const source = block(block(build, 'source'), 'storage_source');
    assert.equal(source.object, '${google_storage_bucket_object.source.name}');
    const service = block(fn, 'service_config');
    assert.equal(service.environment_variables, '${local.function_env}');
    assert.equal(service.service_account_email, '${google_service_account.fn[each.key].email}');
    for (const [key, setting] of [
      ['available_memory', 'memory'],
      ['timeout_seconds', 'timeout_seconds'],
      ['max_instance_count', 'max_instances'],
      ['max_instance_request_concurrency', 'concurrency'],
    ])
      assert.equal(
        service[key!],
        `\${each.value.${setting}}`,
        `service_config.${key} comes from the settings`,
      );
    assert.equal(fn.event_trigger, undefined, 'delivery is by push subscription (triggers.tf), not Eventarc');
  });

  test('an HTTP function is not described as consuming a topic', () => {
    const description = String(resource(config, 'google_cloudfunctions2_function', 'fn').description);
    const http = /^\$\{each\.value\.trigger == "http" \? "([^"]*)" : "([^"]*)"\}$/.exec(description);
    assert.ok(http, `description must depend on whether the trigger is "http": ${description}`);
    assert.doesNotMatch(http[1]!, /consumes|topic/, 'the http branch names no topic');
    assert.match(http[2]!, /local\.topics\[each\.value\.trigger\]/, 'the others name their topic');
  });

  test('the uploaded archive is named after its sha256, so a code change redeploys', () => {
    const object = resource(config, 'google_storage_bucket_object', 'source');
    assert.match(String(object.name), /\$\{substr\(local\.source_archive_hash/);
    assert.match(String(locals('source_archive_hash')), /filesha256\(local\.source_archive\)/);
  });
});

describe('delivery', () => {
  test('each Pub/Sub-triggered function has an authenticated push subscription with retries and a dead-letter topic', () => {
    const push = resource(config, 'google_pubsub_subscription', 'push');
    assert.equal(push.for_each, '${local.push_functions}', 'HTTP ingest gets no subscription');
    assert.match(
      String(locals('push_functions')),
      /for id, f in local\.functions : id => f if f\.trigger != "http"/,
    );
    assert.equal(push.topic, '${google_pubsub_topic.topic[each.value.trigger].id}');
    const pushConfig = block(push, 'push_config');
    assert.match(
      String(pushConfig.push_endpoint),
      /\/projects\/\$\{var\.project_id\}\/topics\/\$\{google_pubsub_topic\.topic\[each\.value\.trigger\]\.name\}$/,
      'functions-framework reads the topic from a path ending in /projects/P/topics/T',
    );
    assert.equal(
      block(pushConfig, 'oidc_token').service_account_email,
      '${google_service_account.push.email}',
    );
    // Every subscription dead-letters but the dead-letter function's own (its messages would loop).
    const dynamicPolicy = block(push.dynamic as Body, 'dead_letter_policy');
    assert.equal(dynamicPolicy.for_each, '${each.value.trigger == "dead_letter" ? [] : [1]}');
    const deadLetter = block(dynamicPolicy, 'content');
    assert.equal(deadLetter.dead_letter_topic, '${google_pubsub_topic.topic["dead_letter"].id}');
    assert.equal(deadLetter.max_delivery_attempts, '${var.max_delivery_attempts}');
    const retry = block(push, 'retry_policy');
    assert.ok(retry.minimum_backoff && retry.maximum_backoff, 'retry_policy sets both backoffs');
    assert.match(
      String(push.ack_deadline_seconds),
      /timeout_seconds/,
      'ack deadline follows the function timeout',
    );
    assert.equal(block(push, 'expiration_policy').ttl, '', 'push subscriptions never expire');
  });

  test('dead-lettered messages are kept by a subscription on the dead-letter topic', () => {
    const hold = resource(config, 'google_pubsub_subscription', 'dead_letter');
    assert.equal(hold.topic, '${google_pubsub_topic.topic["dead_letter"].id}');
    assert.equal(hold.push_config, undefined, 'a pull subscription: the messages wait to be inspected');
  });

  test('the Pub/Sub service agent may dead-letter: publisher on the topic, subscriber on each subscription', () => {
    const publisher = resource(config, 'google_pubsub_topic_iam_member', 'dead_letter_publisher');
    assert.equal(publisher.topic, '${google_pubsub_topic.topic["dead_letter"].name}');
    assert.equal(publisher.role, 'roles/pubsub.publisher');
    assert.equal(publisher.member, '${local.pubsub_service_agent}');
    const subscriber = resource(config, 'google_pubsub_subscription_iam_member', 'dead_letter_subscriber');
    assert.equal(subscriber.for_each, '${local.push_functions}', 'one per push subscription');
    assert.equal(subscriber.subscription, '${google_pubsub_subscription.push[each.key].name}');
    assert.equal(subscriber.role, 'roles/pubsub.subscriber');
    assert.match(String(locals('pubsub_service_agent')), /@gcp-sa-pubsub\.iam\.gserviceaccount\.com/);
  });

  test('objects finalized under ingest/ in the incoming bucket notify the incoming topic', () => {
    const notification = resource(config, 'google_storage_notification', 'ingest');
    assert.equal(notification.bucket, '${google_storage_bucket.incoming.name}');
    assert.equal(notification.topic, '${google_pubsub_topic.topic["incoming"].id}');
    assert.equal(
      notification.payload_format,
      'JSON_API_V1',
      'the handler reads the object from the JSON payload',
    );
    assert.deepEqual(notification.event_types, ['OBJECT_FINALIZE']);
    assert.equal(
      notification.object_name_prefix,
      '${local.ingest_prefix}',
      'results and job input do not notify',
    );
    assert.ok(
      (notification.depends_on as string[]).includes('${google_pubsub_topic_iam_member.storage_notifier}'),
      'Cloud Storage checks its publish right when the notification is created: grant first',
    );
    assert.ok(
      (locals('topics') as Record<string, string>).incoming,
      'the incoming topic is one of local.topics, created by google_pubsub_topic.topic',
    );
    assert.equal(resource(config, 'google_pubsub_topic', 'topic').for_each, '${local.topics}');
  });

  test('the Cloud Storage service agent may publish to the incoming topic, and nowhere else', () => {
    const agent = config.data.google_storage_project_service_account?.incoming?.[0];
    assert.ok(agent, 'data "google_storage_project_service_account" "incoming"');
    assert.equal(agent.project, '${var.project_id}');
    const grant = resource(config, 'google_pubsub_topic_iam_member', 'storage_notifier');
    assert.equal(grant.topic, '${google_pubsub_topic.topic["incoming"].name}');
    assert.equal(grant.role, 'roles/pubsub.publisher');
    assert.equal(grant.member, '${data.google_storage_project_service_account.incoming.member}');
    const agentGrants = Object.entries(config.resource)
      .filter(([type]) => type.endsWith('_iam_member'))
      .flatMap(([type, byName]) =>
        Object.entries(byName)
          .filter(([, [body]]) => String(body!.member).includes('google_storage_project_service_account'))
          .map(([name]) => `${type}.${name}`),
      );
    assert.deepEqual(agentGrants, ['google_pubsub_topic_iam_member.storage_notifier']);
  });

  test('a scheduler job per schedule publishes its job message to the jobs topic; the sweeper ticks', () => {
    const job = resource(config, 'google_cloud_scheduler_job', 'job');
    assert.equal(job.for_each, '${var.schedules}');
    const target = block(job, 'pubsub_target');
    assert.equal(target.topic_name, '${google_pubsub_topic.topic["jobs"].id}');
    assert.equal(target.data, '${base64encode(jsonencode(local.scheduled_messages[each.key]))}');
    assert.equal(job.attempt_deadline, undefined, 'attempt_deadline is ignored for Pub/Sub targets');
    const sweep = block(resource(config, 'google_cloud_scheduler_job', 'sweep'), 'pubsub_target');
    assert.equal(sweep.topic_name, '${google_pubsub_topic.topic["sweep"].id}');
  });
});

describe('storage and state', () => {
  test('buckets use uniform access with public access prevention enforced', () => {
    for (const [name, [bucket]] of Object.entries(config.resource.google_storage_bucket ?? {})) {
      assert.equal(bucket!.uniform_bucket_level_access, true, `bucket ${name}`);
      assert.equal(bucket!.public_access_prevention, 'enforced', `bucket ${name}`);
    }
  });

  test('the work bucket deletes tmp/ after a short age and keeps no soft-deleted scratch', () => {
    const work = resource(config, 'google_storage_bucket', 'work');
    const rules = work.lifecycle_rule as Body[];
    const deleteTmp = rules.find((r) => block(r, 'action').type === 'Delete');
    assert.ok(deleteTmp, 'a Delete lifecycle rule');
    const condition = block(deleteTmp, 'condition');
    assert.deepEqual(condition.matches_prefix, ['${local.tmp_prefix}']);
    assert.equal(condition.age, '${var.tmp_retention_days}');
    assert.equal(block(work, 'soft_delete_policy').retention_duration_seconds, 0);
  });

  test('a Datastore-mode database and a DATASTORE_MODE_API index per generated entry', () => {
    const database = resource(config, 'google_firestore_database', 'datastore');
    assert.equal(database.type, 'DATASTORE_MODE');
    const index = resource(config, 'google_firestore_index', 'datastore');
    assert.equal(index.for_each, '${local.datastore_indexes}');
    assert.equal(index.api_scope, 'DATASTORE_MODE_API');
    assert.equal(index.collection, '${each.value.kind}');
  });

  test('a BigQuery dataset for table outputs', () => {
    assert.equal(
      resource(config, 'google_bigquery_dataset', 'cloudreduce').dataset_id,
      '${var.bigquery_dataset}',
    );
  });

  test('outputs name the topics, buckets, function URLs and dataset, and where to send data for ingest', () => {
    for (const name of [
      'topics',
      'buckets',
      'function_urls',
      'bigquery_dataset',
      'ingest_url',
      'ingest_drop',
    ])
      assert.ok(config.output[name], `output "${name}"`);
    assert.equal(config.output.ingest_url![0]!.value, '${local.function_urls["ingest"]}');
    assert.equal(
      config.output.ingest_drop![0]!.value,
      'gs://${google_storage_bucket.incoming.name}/${local.ingest_prefix}',
    );
  });
});
