// The IAM of terraform/, parsed with @cdktf/hcl2json: no public principals, every member is one of
// ours or a named ingest invoker, one service account per function, and grants scoped to the
// bucket, topic or dataset where the provider allows (structure.test.ts checks the rest).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { block, loadConfig, resource, type Body, type Config } from './helpers.ts';

let config: Config;
let text: Record<string, string>;
before(async () => {
  ({ config, text } = await loadConfig());
});

describe('IAM', () => {
  test('nothing is granted to allUsers or allAuthenticatedUsers', () => {
    // The one place they may be named is the validation of var.ingest_invokers that refuses them.
    const refusal = (file: string, lines: string[]): Set<number> => {
      if (file !== 'variables.tf') return new Set();
      const start = lines.findIndex((l) => l.startsWith('variable "ingest_invokers" {'));
      const end = lines.findIndex((l, i) => i > start && l === '}');
      return new Set(start < 0 ? [] : Array.from({ length: end - start + 1 }, (_, k) => start + k));
    };
    const found = Object.entries(text).flatMap(([file, content]) => {
      const lines = content.split('\n');
      const skip = refusal(file, lines);
      return lines
        .map((line, i) => ({ i, where: `terraform/${file}:${i + 1}`, code: line.replace(/#.*$/, '') }))
        .filter(({ i, code }) => !skip.has(i) && /allUsers|allAuthenticatedUsers/.test(code))
        .map(({ where, code }) => `${where}: ${code.trim()}`);
    });
    assert.deepEqual(found, [], 'public principals must never be granted anything');
    const invokers = config.variable.ingest_invokers?.[0];
    assert.ok(invokers, 'variable "ingest_invokers"');
    const conditions = (invokers.validation as Body[]).map((v) => String(v.condition)).join('\n');
    assert.match(conditions, /!contains\(\["allUsers", "allAuthenticatedUsers"\], m\)/);
  });

  test('every IAM member is one of our service accounts, a Google service agent or a named ingest invoker', () => {
    // Members that are not our service accounts, by resource: each is checked on its own below.
    const others: Record<string, string> = {
      'google_pubsub_topic_iam_member.storage_notifier':
        '${data.google_storage_project_service_account.incoming.member}',
      'google_cloud_run_v2_service_iam_member.ingest_invoker': '${each.value}',
    };
    for (const [type, byName] of Object.entries(config.resource)) {
      if (!type.endsWith('_iam_member')) continue;
      for (const [name, [body]] of Object.entries(byName)) {
        const other = others[`${type}.${name}`];
        if (other) {
          assert.equal(body!.member, other, `${type}.${name}`);
          continue;
        }
        assert.match(
          String(body!.member),
          /^\$\{(google_service_account\.\w+(\[[^\]]+\])?\.member|local\.pubsub_service_agent)\}$/,
          `${type}.${name} grants to ${String(body!.member)}`,
        );
      }
    }
  });

  test('one service account per function, and each function runs as its own', () => {
    const accounts = resource(config, 'google_service_account', 'fn');
    assert.equal(accounts.for_each, '${local.functions}');
    assert.equal(accounts.account_id, '${var.name_prefix}-${each.key}');
  });

  test('the push account invokes the Pub/Sub-triggered functions; only ingest_invokers invoke ingest', () => {
    const invoker = resource(config, 'google_cloud_run_v2_service_iam_member', 'push_invoker');
    assert.equal(invoker.for_each, '${local.push_functions}', 'no push invoker on HTTP ingest');
    assert.equal(invoker.role, 'roles/run.invoker');
    assert.equal(invoker.member, '${google_service_account.push.member}');
    const ingest = resource(config, 'google_cloud_run_v2_service_iam_member', 'ingest_invoker');
    assert.equal(ingest.for_each, '${toset(var.ingest_invokers)}');
    assert.equal(ingest.name, '${google_cloudfunctions2_function.fn["ingest"].name}');
    assert.equal(ingest.role, 'roles/run.invoker');
    assert.equal(ingest.member, '${each.value}');
    const invokers = Object.values(config.resource)
      .flatMap((byName) => Object.values(byName).flat())
      .filter((body) => String(body.role).includes('invoker'));
    assert.equal(invokers.length, 2, 'no other invoker grant');
    assert.equal(
      block(resource(config, 'google_cloudfunctions2_function', 'fn'), 'service_config').ingress_settings,
      '${each.value.trigger == "http" ? var.ingest_ingress : var.ingress}',
      'Pub/Sub-triggered functions keep var.ingress; only ingest follows var.ingest_ingress',
    );
  });

  test("ingest-object's only bucket grant is objectUser on the incoming bucket; ingest has none", () => {
    const grant = resource(config, 'google_storage_bucket_iam_member', 'ingest_object_incoming');
    assert.equal(grant.bucket, '${google_storage_bucket.incoming.name}');
    assert.equal(grant.role, 'roles/storage.objectUser', 'read objects, write and overwrite results, no IAM');
    assert.equal(grant.member, '${google_service_account.fn["ingest-object"].member}');
    // Work bucket roles and input-reader grants are per function; neither names an ingest function.
    const iamLocals = config.locals.find((l) => 'work_bucket_role' in l)!;
    for (const id of ['ingest', 'ingest-object']) {
      assert.ok(!(id in (iamLocals.work_bucket_role as Body)), `${id} has no role on the work bucket`);
      assert.ok(!(iamLocals.input_readers as string[]).includes(id), `${id} reads no job input`);
    }
    for (const [name, [body]] of Object.entries(config.resource.google_storage_bucket_iam_member ?? {})) {
      if (name === 'ingest_object_incoming') continue;
      assert.doesNotMatch(String(body!.member), /ingest/, `google_storage_bucket_iam_member.${name}`);
      assert.match(String(body!.for_each), /^\$\{local\.(work_bucket_role|input_grants)\}$/);
    }
  });

  test('grants are scoped to the bucket, topic or dataset, not the project, where the provider allows', () => {
    // Datastore has no finer IAM scope, BigQuery jobs are created in the project, and the build
    // roles are the documented ones for a custom build account.
    const allowed: Record<string, string[]> = {
      datastore_user: ['roles/datastore.user'],
      finalize_job_user: ['roles/bigquery.jobUser'],
      build: ['roles/artifactregistry.writer', 'roles/logging.logWriter', 'roles/storage.objectAdmin'],
    };
    for (const [name, [body]] of Object.entries(config.resource.google_project_iam_member ?? {})) {
      assert.ok(allowed[name], `unexpected project-wide grant google_project_iam_member.${name}`);
      const roles =
        body!.role === '${each.value}'
          ? [...String(body!.for_each).matchAll(/"(roles\/[^"]+)"/g)].map((m) => m[1])
          : [body!.role];
      assert.deepEqual(roles, allowed[name], `google_project_iam_member.${name} roles`);
    }
    assert.equal(
      resource(config, 'google_storage_bucket_iam_member', 'work').bucket,
      '${google_storage_bucket.work.name}',
    );
    assert.equal(
      resource(config, 'google_pubsub_topic_iam_member', 'publisher').role,
      'roles/pubsub.publisher',
    );
    assert.equal(
      resource(config, 'google_bigquery_dataset_iam_member', 'finalize_data_editor').member,
      '${google_service_account.fn["finalize"].member}',
    );
  });
});
