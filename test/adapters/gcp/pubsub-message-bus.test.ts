import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import type { Message, Subscription } from '@google-cloud/pubsub';
import { PubSubMessageBus } from '../../../src/adapters/gcp/pubsub-message-bus.ts';
import { emulatorEnv } from '../../fakes/emulator-env.ts';

const env = emulatorEnv();
let admin: PubSub;
before(() => {
  admin = new PubSub({ projectId: env.projectId, apiEndpoint: env.pubsubHost });
});
after(() => admin.close());

/** A fresh topic with a pull subscription, and a bus that maps the logical 'map' topic to it. */
async function setup(): Promise<{
  bus: PubSubMessageBus;
  subscription: Subscription;
  cleanup: () => Promise<void>;
}> {
  const name = `t-${randomUUID()}`;
  const [topic] = await admin.createTopic(name);
  const [subscription] = await topic.createSubscription(`${name}-sub`);
  const bus = new PubSubMessageBus({
    projectId: env.projectId,
    apiEndpoint: env.pubsubHost,
    topics: { map: name },
  });
  return {
    bus,
    subscription,
    cleanup: async () => {
      await bus.close();
      await subscription.close();
      await subscription.delete();
      await topic.delete();
    },
  };
}

/** Receives `count` messages (acking each) or fails after `timeoutMillis`. */
function receive(subscription: Subscription, count: number, timeoutMillis = 30_000): Promise<Message[]> {
  return new Promise((resolve, reject) => {
    const got = new Map<string, Message>();
    const timer = setTimeout(
      () => reject(new Error(`received ${got.size} of ${count} messages in ${timeoutMillis} ms`)),
      timeoutMillis,
    );
    subscription.on('error', reject);
    subscription.on('message', (m: Message) => {
      m.ack();
      got.set(m.id, m);
      if (got.size === count) {
        clearTimeout(timer);
        subscription.removeAllListeners('message');
        resolve([...got.values()]);
      }
    });
  });
}

void describe('PubSubMessageBus on the Pub/Sub emulator', () => {
  void test('publishes JSON data with attributes that a pull subscription receives', async () => {
    const { bus, subscription, cleanup } = await setup();
    try {
      const received = receive(subscription, 2);
      const ids = await bus.publish('map', [
        { data: { runId: 'r1', task: 's0-map-00001' }, attributes: { runId: 'r1', kind: 'map' } },
        { data: ['plain', 2, null] },
      ]);
      assert.equal(ids.length, 2);
      const messages = await received;
      const byId = new Map(messages.map((m) => [m.id, m]));
      const first = byId.get(ids[0]!)!;
      assert.deepEqual(JSON.parse(first.data.toString('utf8')), { runId: 'r1', task: 's0-map-00001' });
      assert.deepEqual({ ...first.attributes }, { runId: 'r1', kind: 'map' });
      assert.deepEqual(JSON.parse(byId.get(ids[1]!)!.data.toString('utf8')), ['plain', 2, null]);
    } finally {
      await cleanup();
    }
  });

  void test('2500 messages are published in batches and every one is delivered once', async () => {
    const { bus, subscription, cleanup } = await setup();
    try {
      const received = receive(subscription, 2500, 60_000);
      const messages = Array.from({ length: 2500 }, (_, i) => ({
        data: { i },
        attributes: { i: String(i) },
      }));
      const ids = await bus.publish('map', messages);
      assert.equal(new Set(ids).size, 2500);
      const got = (await received).map((m) => (JSON.parse(m.data.toString('utf8')) as { i: number }).i);
      assert.deepEqual(
        got.sort((a, b) => a - b),
        messages.map((m) => m.data.i),
      );
    } finally {
      await cleanup();
    }
  });

  void test('publishing to a topic that does not exist fails with the topic name', async () => {
    const bus = new PubSubMessageBus({
      projectId: env.projectId,
      apiEndpoint: env.pubsubHost,
      topics: { reduce: `missing-${randomUUID()}` },
    });
    try {
      await assert.rejects(bus.publish('reduce', [{ data: 1 }]), /missing-|NOT_FOUND|not found/i);
    } finally {
      await bus.close();
    }
  });

  void test('oversized messages and attributes are rejected before publishing, with the limit', async () => {
    const bus = new PubSubMessageBus({ projectId: env.projectId, apiEndpoint: env.pubsubHost });
    try {
      await assert.rejects(bus.publish('jobs', [{ data: 'x'.repeat(10_000_001) }]), {
        name: 'ConfigError',
        message: /The message 0 for topic "jobs" \(cloudreduce-jobs\) is \d+ bytes; Pub\/Sub allows 10000000/,
      });
      await assert.rejects(bus.publish('jobs', [{ data: 1, attributes: { big: 'v'.repeat(1025) } }]), {
        name: 'ConfigError',
        message: /Attribute "big" .* is 1025 bytes/,
      });
      await assert.rejects(bus.publish('nope' as 'jobs', [{ data: 1 }]), {
        name: 'ConfigError',
        message: 'Unknown topic "nope": it must be one of: jobs, map, reduce, finalize.',
      });
    } finally {
      await bus.close();
    }
  });

  void test('the default topic names are cloudreduce-<topic> and a map overrides them', () => {
    const bus = new PubSubMessageBus({ projectId: 'p', topics: { jobs: 'my-jobs' } });
    assert.deepEqual(bus.topicNames, {
      jobs: 'my-jobs',
      map: 'cloudreduce-map',
      reduce: 'cloudreduce-reduce',
      finalize: 'cloudreduce-finalize',
    });
  });
});
