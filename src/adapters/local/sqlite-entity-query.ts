// EntityQuery → SQL over SqliteEntityStore's tables (see sqlite-entity-store.ts for the schema).
//
// Filter semantics, as Datastore's indexes give them:
// - a filter only matches values of its own type class (a number filter never matches a string);
// - an entity without the property (or with an empty list) never matches, nor sorts;
// - list properties: each `=` filter is met if some element equals it (different `=` filters may be
//   met by different elements); all inequality filters on one property must be met by ONE element;
// - ordering by a list property sorts by its smallest element ascending, its largest descending.
// Ties (and the end of every order) break on the key, ascending.

import type { SQLInputValue } from 'node:sqlite';
import { ConfigError } from '../../core/errors.ts';
import type { EntityQuery, FilterOp, PropertyFilter } from '../../ports/entity-store.ts';
import { checkKind, rangeBounds } from './sqlite-entity-keys.ts';
import { integerReadForm } from '../../ports/entity-store.ts';
import { sortText, typeBand } from './sqlite-entity-values.ts';
import type { Scalar } from './sqlite-entity-values.ts';

export interface Sql {
  sql: string;
  params: SQLInputValue[];
}

const OPS: readonly FilterOp[] = ['=', '<', '<=', '>', '>='];

/** Conditions on `e` (entities) for the query's kind, namespace, key range and filters. */
export function whereClause(query: EntityQuery): Sql {
  const kind = checkKind(query.kind, 'Query');
  const where = ['e.ns = ?', 'e.kind = ?'];
  const params: SQLInputValue[] = [query.namespace ?? '', kind];
  const bounds = rangeBounds(query, query.keyRange);
  if (bounds.start !== undefined) {
    where.push('e.k >= ?');
    params.push(bounds.start);
  }
  if (bounds.end !== undefined) {
    where.push('e.k < ?');
    params.push(bounds.end);
  }
  const inequalities = new Map<string, PropertyFilter[]>();
  for (const given of query.filters ?? []) {
    // A bigint compares as the value it reads back as (numbers are one class here).
    const filter = (
      typeof given.value === 'bigint' ? { ...given, value: integerReadForm(given.value) } : given
    ) as PropertyFilter & { value: Scalar };
    checkFilter(filter, kind);
    if (filter.op === '=') {
      where.push('EXISTS (SELECT 1 FROM idx f WHERE f.eid = e.id AND f.prop = ? AND f.s = ?)');
      params.push(filter.property, sortText(filter.value));
    } else {
      const list = inequalities.get(filter.property) ?? [];
      list.push(filter);
      inequalities.set(filter.property, list);
    }
  }
  for (const [property, filters] of inequalities) {
    const terms = ['f.eid = e.id', 'f.prop = ?'];
    params.push(property);
    for (const filter of filters) {
      const value = filter.value as Scalar;
      const band = typeBand(value);
      terms.push(`f.s ${filter.op} ?`, 'f.s >= ?', 'f.s < ?');
      params.push(sortText(value), band.low, band.high);
    }
    where.push(`EXISTS (SELECT 1 FROM idx f WHERE ${terms.join(' AND ')})`);
  }
  return { sql: where.join(' AND '), params };
}

/** One page of a query in key order, resuming after key `after`. Index-driven: no sort. */
export function keyPageSql(query: EntityQuery, after: string | undefined, limit: number): Sql {
  const where = whereClause(query);
  const resume = after === undefined ? '' : ' AND e.k > ?';
  const props = query.keysOnly ? '' : ', e.props AS props';
  return {
    sql: `SELECT e.k AS k${props} FROM entities e WHERE ${where.sql}${resume} ORDER BY e.k LIMIT ?`,
    params: [...where.params, ...(after === undefined ? [] : [after]), limit],
  };
}

/**
 * The entity ids of a query with orderBy, in result order (limit -1: all). An entity sorts by its
 * smallest value of a property ascending and its largest descending; without one it is left out.
 */
export function orderedIdsSql(query: EntityQuery, limit: number): Sql {
  const params: SQLInputValue[] = [];
  const orders = (query.orderBy ?? []).map((order, i) => {
    if (typeof order.property !== 'string' || order.property === '' || order.property.startsWith('__')) {
      throw new ConfigError(
        `Query on kind "${query.kind}": cannot order by ${JSON.stringify(order.property)}; order by a ` +
          'property name (results always end in key order).',
      );
    }
    const direction = order.direction ?? 'asc';
    if (direction !== 'asc' && direction !== 'desc') {
      throw new ConfigError(
        `Query on kind "${query.kind}": order direction ${JSON.stringify(direction)} must be "asc" or "desc".`,
      );
    }
    params.push(order.property);
    const pick = direction === 'asc' ? 'min' : 'max';
    return {
      column: `(SELECT ${pick}(o.s) FROM idx o WHERE o.eid = e.id AND o.prop = ?) AS o${i}`,
      present: `o${i} IS NOT NULL`,
      sort: `o${i} ${direction.toUpperCase()}`,
    };
  });
  const where = whereClause(query);
  params.push(...where.params, limit);
  const inner = `SELECT e.id AS id, e.k AS k, ${orders.map((o) => o.column).join(', ')} FROM entities e WHERE ${where.sql}`;
  return {
    sql:
      `SELECT id FROM (${inner}) WHERE ${orders.map((o) => o.present).join(' AND ')} ` +
      `ORDER BY ${orders.map((o) => o.sort).join(', ')}, k LIMIT ?`,
    params,
  };
}

/** The query's limit, or Infinity. */
export function checkLimit(query: EntityQuery): number {
  if (query.limit === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(query.limit) || query.limit < 0) {
    throw new ConfigError(
      `Query on kind "${query.kind}": limit must be a non-negative integer; got ${query.limit}.`,
    );
  }
  return query.limit;
}

function checkFilter(filter: PropertyFilter, kind: string): void {
  const where = `Query on kind "${kind}": filter ${JSON.stringify(filter)}`;
  if (typeof filter.property !== 'string' || filter.property === '' || filter.property.startsWith('__')) {
    throw new ConfigError(
      `${where} names no usable property; filters take a property name (not __key__: use keyRange for keys).`,
    );
  }
  if (!OPS.includes(filter.op)) throw new ConfigError(`${where}: op must be one of ${OPS.join(' ')}.`);
  const value: unknown = filter.value;
  const scalar =
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value)) ||
    (value instanceof Date && !Number.isNaN(value.getTime()));
  if (!scalar) {
    throw new ConfigError(
      `${where}: the value must be a string, finite number, boolean, valid Date or null.`,
    );
  }
  if (value === null && filter.op !== '=') {
    throw new ConfigError(`${where}: null only supports "="; filter on a value of a type to compare with.`);
  }
}
