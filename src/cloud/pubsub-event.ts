// Turns what functions-framework hands a CloudEvent function into the engine's IncomingMessage.
// Three shapes arrive in practice, all parsed leniently:
//   - Eventarc's messagePublished CloudEvent: ce.data = { subscription, message: { data (base64),
//     attributes, messageId, publishTime } }, sometimes with snake_case duplicates (message_id…);
//   - a raw Pub/Sub push body (our own push subscriptions, the emulator), which the framework
//     converts into the same shape, minus `subscription` and `deliveryAttempt`;
//   - a raw push body the framework could not convert (it skips messages whose data is empty), so
//     the "event" is the body itself: { subscription, message, deliveryAttempt? }.
// The payload is JSON when it parses; otherwise the text is passed on, so the jobs handler can
// record "not JSON" as a rejected run instead of the message vanishing here.

import type { IncomingMessage } from '../ports/message-bus.ts';

export type Decoded = { ok: true; message: IncomingMessage } | { ok: false; reason: string };

type Obj = Record<string, unknown>;

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export function decodePubSubEvent(event: unknown): Decoded {
  const ce = asObject(maybeJson(event));
  if (!ce) return { ok: false, reason: `the event is ${describe(event)}, not an object` };
  const data = asObject(maybeJson(ce.data));
  const message = asObject(data?.message) ?? asObject(ce.message) ?? pubsubLike(data);
  if (!message) {
    return {
      ok: false,
      reason:
        'the event carries no Pub/Sub message (expected data.message = {data, attributes, messageId}); ' +
        `its keys are: ${Object.keys(ce).join(', ') || 'none'}`,
    };
  }
  const payload = message.data ?? '';
  if (typeof payload !== 'string' || !BASE64.test(payload.replace(/\s/g, ''))) {
    return { ok: false, reason: `message.data is ${describe(payload)}, not base64 text` };
  }
  const text = Buffer.from(payload, 'base64').toString('utf8');
  const id = str(message.messageId) ?? str(message.message_id) ?? str(ce.id) ?? '';
  if (!id) return { ok: false, reason: 'the message has no messageId and the event no id' };

  const decoded: IncomingMessage = { id, data: parsePayload(text), attributes: attributesOf(message) };
  const publishTime = str(message.publishTime) ?? str(message.publish_time) ?? str(ce.time);
  if (publishTime) decoded.publishTime = publishTime;
  const attempt = Number(ce.deliveryAttempt ?? ce.delivery_attempt ?? data?.deliveryAttempt);
  if (Number.isInteger(attempt) && attempt > 0) decoded.deliveryAttempt = attempt;
  return { ok: true, message: decoded };
}

/** The topic id from a CloudEvent source "//pubsub.googleapis.com/projects/P/topics/T". */
export function topicOf(event: unknown): string | undefined {
  const source = asObject(event)?.source;
  return typeof source === 'string' ? /\/topics\/([^/?]+)/.exec(source)?.[1] : undefined;
}

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function attributesOf(message: Obj): Record<string, string> {
  const attributes: Record<string, string> = {};
  const raw = asObject(message.attributes);
  for (const [key, value] of Object.entries(raw ?? {}))
    if (typeof value === 'string') attributes[key] = value;
  return attributes;
}

/** A legacy background event puts the message fields directly in data. */
function pubsubLike(data: Obj | undefined): Obj | undefined {
  return data && typeof data.data === 'string' && ('messageId' in data || 'attributes' in data)
    ? data
    : undefined;
}

function maybeJson(value: unknown): unknown {
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function asObject(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
