// The cost table of a run, as `status RUN` prints it.

import { html } from 'hono/html';
import type { RunCost } from '../core/prices.ts';
import { formatMoney } from '../cli/cost.ts';
import type { Html } from './layout.ts';

export function costView(cost: RunCost): Html {
  const money = (n: number) => formatMoney(n, cost.prices.currency);
  return html`<table id="cost" style="max-width:820px">
      <thead>
        <tr>
          <th>item</th>
          <th>used</th>
          <th class="num">cost</th>
        </tr>
      </thead>
      <tbody>
        ${cost.lines.map(
          (l) =>
            html`<tr>
              <td>${l.item}</td>
              <td>${l.amount}</td>
              <td class="num">${money(l.cost)}</td>
            </tr>`,
        )}
        <tr>
          <th>total</th>
          <th></th>
          <th class="num">${money(cost.total)}</th>
        </tr>
      </tbody>
    </table>
    <p class="muted">Measured usage × ${cost.prices.source}. Prices: docs/ui.md.</p>`;
}
