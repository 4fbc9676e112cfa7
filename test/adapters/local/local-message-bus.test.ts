import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryLogger } from '../../../src/core/logger.ts';
import { LocalMessageBus } from '../../../src/adapters/local/local-message-bus.ts';
import type { FaultPlan, LocalMessageBusOptions } from '../../../src/adapters/local/local-message-bus.ts';
import type { IncomingMessage } from '../../../src/ports/message-bus.ts';

/** Runs `fn` with a fresh bus and always closes it, so no timer outlives a test. */
async function withBus(
  options: LocalMessageBusOptions,
  fn: (bus: LocalMessageBus) => Promise<void>,
): Promise<void> {
  const bus = new LocalMessageBus(options);
  try {
    await fn(bus);
  } finally {
    await bus.close();
  }
}

void describe('LocalMessageBus', () => {
  void test('publish returns unique ids and delivers each message asynchronously with attempt 1', () =>
    withBus({}, async (bus) => {
      const seen: IncomingMessage[] = [];
      bus.subscribe('map', async (m) => void seen.push(m));
      const ids = await bus.publish('map', [
        { data: { task: 1 } },
        { data: { task: 2 }, attributes: { run: 'r1' } },
      ]);
      const more = await bus.publish('map', [{ data: { task: 3 } }]);
      assert.equal(new Set([...ids, ...more]).size, 3);
      assert.equal(seen.length, 0, 'delivery happens after publish resolves');
      await bus.idle();
      const byId = new Map(seen.map((m) => [m.id, m]));
      assert.deepEqual(byId.get(ids[1]!)?.data, { task: 2 });
      assert.deepEqual(byId.get(ids[1]!)?.attributes, { run: 'r1' });
      assert.deepEqual(byId.get(ids[0]!)?.attributes, {});
      assert.ok(seen.every((m) => m.deliveryAttempt === 1 && typeof m.publishTime === 'string'));
    }));

  void test('messages are deep-copied on publish, so later mutations by the publisher are not seen', () =>
    withBus({}, async (bus) => {
      const seen: unknown[] = [];
      bus.subscribe('reduce', async (m) => void seen.push(m.data));
      const data = { partition: 1, names: ['a'] };
      await bus.publish('reduce', [{ data }]);
      data.names.push('b');
      data.partition = 99;
      await bus.idle();
      assert.deepEqual(seen, [{ partition: 1, names: ['a'] }]);
    }));

  void test('publishing to a topic without a subscriber fails with an error naming the topic', () =>
    withBus({}, async (bus) => {
      await assert.rejects(bus.publish('finalize', [{ data: 1 }]), {
        name: 'ConfigError',
        message:
          'No subscriber for topic "finalize": messages would be lost. ' +
          "Call bus.subscribe('finalize', handler) before publishing to it.",
      });
    }));

  void test('a second subscriber for one topic is rejected', () =>
    withBus({}, async (bus) => {
      bus.subscribe('jobs', async () => {});
      assert.throws(() => bus.subscribe('jobs', async () => {}), /Topic "jobs" already has a subscriber/);
    }));

  void test('a message that is not JSON, has non-string attributes or exceeds 10 MB publishes nothing', () =>
    withBus({}, async (bus) => {
      let calls = 0;
      bus.subscribe('map', async () => void calls++);
      await assert.rejects(bus.publish('map', [{ data: 1 }, { data: { n: 1n } }]), {
        name: 'ConfigError',
        message: /^Message 1 for topic "map" is not JSON-serialisable: .*BigInt/,
      });
      const attributes = { run: 7 } as unknown as Record<string, string>;
      await assert.rejects(bus.publish('map', [{ data: 1, attributes }]), /attribute "run" of type number/);
      await assert.rejects(
        bus.publish('map', [{ data: 'x'.repeat(10 * 1024 * 1024) }]),
        /Pub\/Sub allows at most/,
      );
      await bus.idle();
      assert.equal(calls, 0);
    }));

  void test('a failing handler is redelivered with doubling backoff capped at maxBackoffMillis', () =>
    withBus({ initialBackoffMillis: 20, maxBackoffMillis: 30 }, async (bus) => {
      const deliveries: { attempt: number | undefined; at: number }[] = [];
      bus.subscribe('map', async (m) => {
        deliveries.push({ attempt: m.deliveryAttempt, at: performance.now() });
        if (deliveries.length < 4) throw new Error('not yet');
      });
      await bus.publish('map', [{ data: 'job' }]);
      await bus.idle();
      assert.deepEqual(
        deliveries.map((d) => d.attempt),
        [1, 2, 3, 4],
      );
      const gaps = deliveries.slice(1).map((d, i) => d.at - deliveries[i]!.at);
      [20, 30, 30].forEach((expected, i) =>
        assert.ok(gaps[i]! >= expected - 1, `gap ${i} ${gaps[i]} >= ${expected}`),
      );
      assert.equal(bus.deadLetters.length, 0);
    }));

  void test('a message failing maxDeliveries times is dead-lettered with its last error and logged at ERROR', () => {
    const { logger, entries } = memoryLogger();
    return withBus({ maxDeliveries: 3, initialBackoffMillis: 1, logger }, async (bus) => {
      const attempts: (number | undefined)[] = [];
      const notified: string[] = [];
      bus.onDeadLetter((topic, message, error) => notified.push(`${topic}:${message.id}:${error.message}`));
      bus.subscribe('reduce', async (m) => {
        attempts.push(m.deliveryAttempt);
        throw new Error(`boom ${m.deliveryAttempt}`);
      });
      const [id] = await bus.publish('reduce', [{ data: { partition: 0 } }]);
      await bus.idle();
      assert.deepEqual(attempts, [1, 2, 3]);
      assert.equal(bus.deadLetters.length, 1);
      const dead = bus.deadLetters[0]!;
      assert.equal(dead.topic, 'reduce');
      assert.deepEqual(dead.message.data, { partition: 0 });
      assert.equal(dead.message.deliveryAttempt, 3);
      assert.equal(dead.error.message, 'boom 3');
      assert.deepEqual(notified, [`reduce:${id}:boom 3`]);
      const errors = entries.filter((e) => e.severity === 'ERROR');
      assert.equal(errors.length, 1);
      assert.equal(
        errors[0]?.message,
        `Message ${id} on topic "reduce" dead-lettered after 3 deliveries: boom 3`,
      );
    });
  });

  void test('idle waits for queued messages, retries and messages published by handlers', () =>
    withBus({ initialBackoffMillis: 5 }, async (bus) => {
      const done: string[] = [];
      let failedOnce = false;
      bus.subscribe('jobs', async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        await bus.publish('map', [{ data: 'm1' }, { data: 'm2' }]);
        done.push('jobs');
      });
      bus.subscribe('map', async (m) => {
        if (m.data === 'm2' && !failedOnce) {
          failedOnce = true;
          throw new Error('transient');
        }
        done.push(String(m.data));
      });
      await bus.idle();
      await bus.publish('jobs', [{ data: 'j' }]);
      await bus.idle();
      assert.deepEqual([...done].sort(), ['jobs', 'm1', 'm2']);
      await bus.idle();
    }));

  void test('close drops scheduled retries and rejects later publishes', async () => {
    const bus = new LocalMessageBus({ initialBackoffMillis: 60_000, maxBackoffMillis: 60_000 });
    let calls = 0;
    bus.subscribe('map', async () => {
      calls++;
      throw new Error('fail');
    });
    await bus.publish('map', [{ data: 1 }]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await bus.close();
    await bus.idle();
    assert.equal(calls, 1);
    await assert.rejects(bus.publish('map', [{ data: 2 }]), /the local message bus is closed/);
  });

  void test('invalid options and fault plans are rejected with what is allowed', () => {
    assert.throws(
      () => new LocalMessageBus({ maxDeliveries: 0 }),
      /maxDeliveries must be an integer >= 1; got 0/,
    );
    assert.throws(
      () => new LocalMessageBus({ initialBackoffMillis: 50, maxBackoffMillis: 10 }),
      /0 <= initialBackoffMillis <= maxBackoffMillis; got 50 and 10 \(defaults 100 and 10000\)/,
    );
    assert.throws(
      () => new LocalMessageBus({ faults: { duplicateRate: 1.5 } }),
      /faults.duplicateRate must be a probability between 0 and 1; got 1.5/,
    );
    assert.throws(
      () => new LocalMessageBus({ faults: { maxDelayMillis: -1 } }),
      /maxDelayMillis must be a number >= 0/,
    );
  });
});

void describe('LocalMessageBus fault injection', () => {
  const CHAOS: FaultPlan = {
    seed: 42,
    duplicateRate: 0.3,
    failBeforeRate: 0.3,
    failAfterRate: 0.3,
    maxDelayMillis: 3,
  };

  /** Publishes 40 messages in the given order; returns every handler call as "data@attempt", sorted. */
  async function trace(faults: FaultPlan, reverse = false): Promise<string[]> {
    const calls: string[] = [];
    await withBus(
      { faults, initialBackoffMillis: 1, maxBackoffMillis: 4, maxDeliveries: 50 },
      async (bus) => {
        bus.subscribe('map', async (m) => {
          calls.push(`${String(m.data)}@${m.deliveryAttempt}`);
          await new Promise((resolve) => setTimeout(resolve, 1));
        });
        const data = Array.from({ length: 40 }, (_, i) => `task-${String(i).padStart(2, '0')}`);
        if (reverse) data.reverse();
        for (const d of data) await bus.publish('map', [{ data: d }]);
        await bus.idle();
        assert.equal(bus.deadLetters.length, 0);
      },
    );
    return calls.sort();
  }

  void test('the same seed injects the same duplicates, lost deliveries and lost acks', async () => {
    const first = await trace(CHAOS);
    assert.deepEqual(await trace(CHAOS), first);
    assert.deepEqual(await trace(CHAOS, true), first, 'independent of publish order');
    assert.notDeepEqual(await trace({ ...CHAOS, seed: 43 }), first);
  });

  void test('every message is handled at least once, some several times, under every fault kind', async () => {
    const calls = await trace(CHAOS);
    const handled = new Set(calls.map((c) => c.split('@')[0]));
    assert.equal(handled.size, 40, 'no message is lost');
    const counts = new Map<string, number>();
    for (const c of calls) counts.set(c, (counts.get(c) ?? 0) + 1);
    assert.ok(
      [...counts.values()].some((n) => n === 2),
      'duplicates deliver one attempt twice',
    );
    assert.ok(
      calls.some((c) => !c.endsWith('@1')),
      'lost deliveries and acks cause redeliveries',
    );
  });

  void test('each fault kind alone behaves as documented', async () => {
    const base = { seed: 7 };
    const duplicates = await trace({ ...base, duplicateRate: 1 });
    assert.equal(duplicates.length, 80);
    assert.ok(
      duplicates.every((c) => c.endsWith('@1')),
      'duplicates share the delivery attempt',
    );
    const lostAcks = await trace({ ...base, failAfterRate: 0.5 });
    const ranAgain = lostAcks.filter((c) => c.endsWith('@2')).map((c) => c.split('@')[0]);
    assert.ok(
      ranAgain.length > 0 && ranAgain.every((d) => lostAcks.includes(`${d}@1`)),
      'handler ran, then again',
    );
    const lostDeliveries = await trace({ ...base, failBeforeRate: 0.5 });
    const firstRuns = lostDeliveries.filter((c) => c.endsWith('@1')).length;
    assert.ok(firstRuns < 40, 'some first deliveries never reached the handler');
    assert.equal(new Set(lostDeliveries.map((c) => c.split('@')[0])).size, 40);
    assert.equal(lostDeliveries.length, 40, 'a lost delivery runs the handler once in the end');
  });
});
